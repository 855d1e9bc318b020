"""``decompress_request``: a delegate wrapper that inflates ``Content-Encoding: gzip`` bodies."""

from __future__ import annotations

import zlib
from typing import Awaitable

from tornado import httputil
from tornado.util import GzipDecompressor

from albany_tornado.connection import AlbanyConnection


class GzipRequestDelegate(httputil.HTTPMessageDelegate):
    """Hands ``delegate`` the inflated body, in pieces of at most ``chunk_size`` bytes.

    The header is renamed ``X-Consumed-Content-Encoding`` as Tornado does; the inflated
    size counts against the connection's body limit (a 400 when over it).
    """

    def __init__(
        self,
        delegate: httputil.HTTPMessageDelegate,
        chunk_size: int,
        connection: AlbanyConnection,
    ) -> None:
        self._delegate = delegate
        self._chunk_size = chunk_size
        self._connection = connection
        self._inflated = 0
        self._decompressor: GzipDecompressor | None = None

    def headers_received(
        self,
        start_line: httputil.RequestStartLine | httputil.ResponseStartLine,
        headers: httputil.HTTPHeaders,
    ) -> Awaitable[None] | None:
        if headers.get("Content-Encoding", "").lower() == "gzip":
            self._decompressor = GzipDecompressor()
            headers.add("X-Consumed-Content-Encoding", headers["Content-Encoding"])
            del headers["Content-Encoding"]
        return self._delegate.headers_received(start_line, headers)

    async def data_received(self, chunk: bytes) -> None:
        if self._decompressor is None:
            waiting = self._delegate.data_received(chunk)
            if waiting is not None:
                await waiting
            return
        pending = chunk
        while pending:
            try:
                piece = self._decompressor.decompress(pending, self._chunk_size)
            except zlib.error as error:
                raise httputil.HTTPInputError(f"invalid gzip data: {error}") from error
            tail = self._decompressor.unconsumed_tail
            if piece:
                self._inflated += len(piece)
                if self._inflated > self._connection.max_body_size:
                    raise httputil.HTTPInputError("decompressed body too large")
                waiting = self._delegate.data_received(piece)
                if waiting is not None:
                    await waiting
            elif len(tail) >= len(pending):
                raise httputil.HTTPInputError("gzip data makes no progress")
            pending = tail

    def finish(self) -> None:
        if self._decompressor is not None:
            try:
                self._decompressor.flush()
            except zlib.error as error:
                raise httputil.HTTPInputError(f"invalid gzip data: {error}") from error
        self._delegate.finish()

    def on_connection_close(self) -> None:
        self._delegate.on_connection_close()

"""aiohttp's ``AbstractStreamWriter`` over ASGI ``send``: what ``StreamResponse`` writes through.

States: head held (``write_headers`` stores it, nothing sent; an error page may still
replace it) → streaming (the head went out with the first body piece) → finished
(``write_eof``). Invariants:

1. ``http.response.start`` goes out with the first body piece, never alone, so a
   response can be replaced until then (aiohttp's 500 after a failed ``prepare``).
2. Each ``send`` is awaited before the next; awaiting a body piece waits while the
   connection is over its high-water mark (ASGI back-pressure).
3. Body bytes beyond ``length`` (the response's Content-Length) are dropped, as
   aiohttp's own writer does; framing (chunked or not) is the server's.
4. A failed ``send`` (the client went away) raises ``ClientConnectionResetError``,
   the ``ConnectionError`` aiohttp's request handling expects.
5. Bytes written before any head are an expect handler's interim response (aiohttp's
   default one writes ``100 Continue``): they are not sent; ``continue_body`` lets the
   request body come, and the server writes its own ``100 Continue`` when it is first
   read. ``drain()`` before any head — aiohttp's request handling calls it once the
   expect handler is done — lets it come too.
6. ``discard()`` after the handler: a send still pending (the handler was cancelled
   between ``prepare`` and its next write) is closed, never left unawaited.
7. The status line's reason phrase (``web.Response(reason=...)``, an ``HTTPException``'s),
   when not the standard one, goes out as ``"reason"`` (its UTF-8 bytes, as aiohttp
   writes them) only where the server offers ``albany.http.reason``.
8. ``abort()`` ends an unfinished response with nothing more sent, the connection
   closed (``albany.http.abort``): what aiohttp's server does when a request's handling
   fails outside the handler's own error handling.
"""

from __future__ import annotations

import asyncio
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Mapping

from aiohttp.abc import AbstractStreamWriter
from aiohttp.client_exceptions import ClientConnectionResetError
from aiohttp.http import SERVER_SOFTWARE
from multidict import CIMultiDict

from albany.types import Send
from albany_aiohttp._aiohttp_private import ZLibCompressor, aiohttp_date

if TYPE_CHECKING:
    from aiohttp.base_protocol import BaseProtocol

REASON_EXTENSION = "albany.http.reason"
"""The scope extension under which ``http.response.start`` may carry ``"reason"``."""
ABORT_EXTENSION = "albany.http.abort"
"""The scope extension whose message ends a request with no response (spec section 4.7)."""
_ABORT = {"type": ABORT_EXTENSION}
_STANDARD_REASONS = {int(status): status.phrase for status in HTTPStatus}
"""The phrases aiohttp and Albany both write when no other is given: no need to send them."""
_DEFAULTS = frozenset(("date", "server"))
"""Fields aiohttp fills in when the app does not; with aiohttp's values they are left to
Albany, which writes its own. An app's own ``Date`` or ``Server`` is sent."""


def _as_latin1(text: str) -> str:
    """``text`` as the latin-1 reading of its UTF-8 bytes."""
    return text.encode("utf-8").decode("latin-1")


class AsgiStreamWriter(AbstractStreamWriter):
    """Writes one response as ``http.response.start`` and ``http.response.body`` messages."""

    def __init__(
        self,
        protocol: BaseProtocol,
        send: Send,
        extensions: Mapping[str, Any],
        continue_body: Callable[[], None] = lambda: None,
    ) -> None:
        """``extensions``: the scope's; Albany's (``albany``) writes each message at ``send``.

        ``continue_body``: what lets a held ``Expect: 100-continue`` body come (invariant 5).
        """
        self._protocol = protocol
        self._send = send
        self._continue_body = continue_body
        self._send_writes_at_once = "albany" in extensions
        self._send_reason = REASON_EXTENSION in extensions
        self._can_abort = ABORT_EXTENSION in extensions
        self._start: dict[str, Any] | None = None
        self._pending: Awaitable[None] | None = None
        self._compress: ZLibCompressor | None = None
        self.chunked = False
        self.length: int | None = None
        self.finished = False

    @property
    def transport(self) -> asyncio.Transport | None:
        return self._protocol.transport

    def enable_chunking(self) -> None:
        """Noted only: the server frames a streamed body (chunked on HTTP/1.1)."""
        self.chunked = True

    def enable_compression(self, encoding: str = "deflate", strategy: int | None = None) -> None:
        self._compress = ZLibCompressor(encoding=encoding, strategy=strategy)

    async def write_headers(self, status_line: str, headers: CIMultiDict[str]) -> None:
        """Hold the head until the first body piece (invariant 1)."""
        _, code, reason = (status_line.split(" ", 2) + [""])[:3]
        status = int(code)
        date = aiohttp_date()
        raw = [
            (name.encode("utf-8"), value.encode("utf-8"))
            for name, value in headers.items()
            if not ((value == date or value == SERVER_SOFTWARE) and name.lower() in _DEFAULTS)
        ]
        self._start = {"type": "http.response.start", "status": status, "headers": raw}
        if self._send_reason and reason != _STANDARD_REASONS.get(status, ""):
            # aiohttp writes the status line as UTF-8; as latin-1 text it is the same bytes
            self._start["reason"] = reason if reason.isascii() else _as_latin1(reason)

    def send_headers(self) -> None:
        """Send the held head now (``StreamResponse.prepare``): with an empty first body piece.

        Synchronous here as in aiohttp. Albany writes a message when ``send`` is
        called, so the head leaves at once; on another ASGI server the sends run as a
        task, awaited before the next write.
        """
        if self._start is None or self.finished:
            return
        if self._send_writes_at_once:
            self._pending = self._send_piece(b"", True)
        else:
            self._pending = asyncio.ensure_future(self._send_piece_async(b"", True))

    async def write(
        self, chunk: bytes | bytearray | memoryview, *, drain: bool = True, LIMIT: int = 0x10000
    ) -> None:
        await self._settle()
        if self._start is None and self.output_size == 0:
            self._continue_body()  # an interim response (invariant 5)
            return
        data = bytes(chunk)
        size = len(data)
        if self._compress is not None:
            data = await self._compress.compress(data)
        data = self._clip(data)
        if not data and self._start is None:
            return
        await self._guarded(self._send_piece(data, True))
        if self.on_body_write is not None and size:
            self.on_body_write(size, self.output_size)

    async def write_eof(self, chunk: bytes = b"") -> None:
        if self.finished:
            return
        await self._settle()
        data = bytes(chunk)
        if self._compress is not None:
            data = await self._compress.compress(data) + self._compress.flush()
        await self._guarded(self._send_piece(self._clip(data), False))
        self.finished = True

    async def drain(self) -> None:
        if self._start is None and self.output_size == 0:
            self._continue_body()  # the expect handler is done (invariant 5)
        await self._settle()

    def discard(self) -> None:
        """Close a send left pending by a cancelled handler (invariant 6)."""
        pending, self._pending = self._pending, None
        close = getattr(pending, "close", None)
        if close is not None:
            close()

    async def abort(self) -> bool:
        """Close the connection with the response unfinished (invariant 8).

        False where it cannot: the response is complete, the client has gone, or the
        server does not offer ``albany.http.abort`` (its own rule for a failed app applies).
        """
        self.discard()
        if self.finished or not self._can_abort:
            return False
        self.finished = True
        try:
            await self._send(_ABORT)
        except OSError:
            return False  # the client has gone: the connection is closed already
        return True

    async def _settle(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            await self._guarded(pending)

    def _clip(self, data: bytes) -> bytes:
        if self.length is None:
            return data
        if len(data) > self.length:
            data = data[: self.length]
        self.length -= len(data)
        return data

    def _send_piece(self, body: bytes, more_body: bool) -> Awaitable[None]:
        """Send a body piece (after the held head); raise as a lost connection if refused.

        What it returns is ``send``'s own awaitable, awaited through ``_guarded`` — or,
        left pending by a cancelled handler, closed as it is (invariant 6).
        """
        transport = self._protocol.transport
        if transport is None or transport.is_closing():
            raise ClientConnectionResetError("Cannot write to closing transport")
        send = self._send
        try:
            start, self._start = self._start, None
            if start is not None:
                self.output_size += 1  # the head is on its way: no error page can replace it
                pending = send(start)
                if not self._send_writes_at_once:
                    return self._after(pending, body, more_body)
            self.output_size += len(body)
            self.buffer_size += len(body)
            sent = send({"type": "http.response.body", "body": body, "more_body": more_body})
            if not more_body:
                self.finished = True  # only now: a piece the server refused leaves it abortable
            return sent
        except OSError as error:
            raise ClientConnectionResetError("Cannot write to closing transport") from error

    async def _after(self, first: Awaitable[None], body: bytes, more_body: bool) -> None:
        await self._guarded(first)
        await self._guarded(self._send_piece(body, more_body))

    async def _send_piece_async(self, body: bytes, more_body: bool) -> None:
        await self._guarded(self._send_piece(body, more_body))

    async def _guarded(self, sent: Awaitable[None]) -> None:
        try:
            await sent
        except OSError as error:
            raise ClientConnectionResetError("Cannot write to closing transport") from error

"""Per-connection glue: an ``IOStream`` read loop feeding the gateway's ``HttpConnection``.

Tornado has no write-buffer callbacks: a write whose future is not done at once
means the socket is full, and the gateway is paused until that future completes.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from tornado.iostream import IOStream, SSLIOStream, StreamClosedError

from albany.gateway.connection import HttpConnection
from albany.gateway.server_state import ServerState
from albany.sockets import client_address, server_address

READ_SIZE = 65536


class TornadoTransport:
    """The gateway's ``Transport`` over an ``IOStream``."""

    __slots__ = ("_stream", "_protocol", "_pending_write", "_closing", "_eof_pending")

    def __init__(self, stream: IOStream, protocol: HttpProtocol) -> None:
        self._stream = stream
        self._protocol = protocol
        self._pending_write: asyncio.Future[None] | None = None
        self._closing = False
        self._eof_pending = False

    def write(self, data: bytes) -> None:
        try:
            future = self._stream.write(data)
        except StreamClosedError:
            self._protocol.stream_closed()
            return
        if not future.done():
            if self._pending_write is None:
                self._protocol.write_blocked()
            self._pending_write = future
            future.add_done_callback(self._written)

    def _written(self, future: asyncio.Future[None]) -> None:
        if future is self._pending_write:
            self._pending_write = None
            if future.exception() is not None:  # the stream closed under the write
                self._protocol.stream_closed()
            elif self._closing:
                self._stream.close()
            else:
                if self._eof_pending:
                    self._shutdown_write()
                self._protocol.write_drained()

    def pause_reading(self) -> None:
        self._protocol.reading = False

    def resume_reading(self) -> None:
        self._protocol.resume_reading()

    def close(self) -> None:
        self._closing = True
        if self._pending_write is None:
            self._stream.close()

    def abort(self) -> None:
        self._closing = True
        self._stream.close()  # pending writes fail: the read loop and _written report it

    def can_write_eof(self) -> bool:
        return not isinstance(self._stream, SSLIOStream)

    def write_eof(self) -> None:
        # IOStream has no half-close: shut the socket's write side once the writes are out.
        self._eof_pending = True
        if self._pending_write is None:
            self._shutdown_write()

    def _shutdown_write(self) -> None:
        self._eof_pending = False
        sock = self._stream.socket
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_WR)
            except OSError:  # already gone: the read loop reports it
                pass


def is_tls(stream: IOStream) -> bool:
    """Whether the connection is encrypted (``https``/``wss``)."""
    return isinstance(stream, SSLIOStream)


class HttpProtocol:
    """One accepted stream: reads until closed, honouring the gateway's pauses."""

    __slots__ = ("_stream", "_connection", "reading", "_resumed")

    def __init__(self, state: ServerState, stream: IOStream, client: Any) -> None:
        self._stream = stream
        stream.set_nodelay(True)  # as asyncio does (a no-op on Unix sockets)
        self.reading = True
        self._resumed: asyncio.Future[None] | None = None
        sockname = stream.socket.getsockname() if stream.socket is not None else None
        tls = is_tls(stream)
        self._connection = HttpConnection(
            state,
            TornadoTransport(stream, self),
            server=server_address(sockname),
            client=client_address(client),
            scheme="https" if tls else "http",
            tls=stream.socket if tls else None,  # an ssl.SSLSocket
        )

    def write_blocked(self) -> None:
        self._connection.pause_writing()

    def write_drained(self) -> None:
        self._connection.resume_writing()

    def stream_closed(self) -> None:
        """A write found the stream closed: the client is gone, whatever the read side says."""
        self._connection.connection_lost()

    def resume_reading(self) -> None:
        self.reading = True
        resumed, self._resumed = self._resumed, None
        if resumed is not None and not resumed.done():
            resumed.set_result(None)

    async def read_until_closed(self) -> None:
        stream = self._stream
        connection = self._connection
        try:
            while True:
                if not self.reading:
                    self._resumed = asyncio.get_running_loop().create_future()
                    await self._resumed
                    continue
                data = await stream.read_bytes(READ_SIZE, partial=True)
                connection.data_received(data)
        except StreamClosedError:
            pass
        finally:
            connection.connection_lost()

"""The connection as aiohttp sees it: an ``asyncio.Transport`` that reads from ``receive``.

A socket transport reads bytes and calls its protocol; this one awaits ASGI
``receive()`` and feeds the request's ``StreamReader``. States: reading →
(paused ⇄ reading) → body complete (still awaiting ``receive`` to learn of a
disconnect) → done. Invariants:

1. Only this transport calls ``receive``, and never twice at once.
2. While paused (the ``StreamReader`` is over its high-water mark) it does not call
   ``receive``; the server then stops reading the socket (ASGI flow control).
3. ``http.disconnect`` before the response is complete means the client went away:
   the protocol gets ``connection_lost``, as from a socket.
4. ``finish()`` ends it: a later ``http.disconnect`` is the response completing.
5. A body that fails to decompress fails the reader with ``RequestPayloadError`` (the
   decoder's error as its cause), as aiohttp's request parser reports it.
6. The body of an ``Expect: 100-continue`` request is held — ``receive`` not called, so
   the server sends no ``100 Continue`` — until ``continue_body()``: the app's expect
   handler has let the client go on (one may write its interim response here, also for
   a request with no body). A response sent while it is held answers the
   request without the body (the server then closes the connection).
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any, Mapping, Protocol

from aiohttp.web_protocol import RequestPayloadError

from albany.types import Receive


class BodySink(Protocol):
    """Where request body bytes go: a ``StreamReader``, or a ``DeflateBuffer`` over one."""

    def feed_data(self, data: bytes, size: int) -> bool: ...

    def feed_eof(self) -> None: ...

    def set_exception(self, exc: BaseException) -> None: ...


def _fail(sink: BodySink, error: Exception) -> None:
    """Fail the body's reader as aiohttp's request parser does (invariant 5)."""
    failure = RequestPayloadError(str(error))
    failure.__cause__ = error
    sink.set_exception(failure)


_SECURE = frozenset({"https", "wss"})
_TLS_STAND_IN = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
"""aiohttp's ``request.scheme`` and ``secure`` ask whether the transport has an
``sslcontext``; through ASGI the scope's scheme says it (TLS, or a proxy's headers), and
this one context, never used for anything, stands for the connection's."""


class _NotSupported:
    """Descriptor raising ``NotImplementedError``: see ``AsgiTransport._sendfile_compatible``."""

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        raise NotImplementedError("sendfile is not available through ASGI")


class AsgiTransport(asyncio.Transport):
    """One request's connection: addresses from the scope, body from ``receive``."""

    # asyncio's loop.sendfile() looks this up with getattr(); raising NotImplementedError
    # here is what makes aiohttp's FileResponse fall back to writing chunks (uvloop's
    # sendfile raises it itself).
    _sendfile_compatible = _NotSupported()

    def __init__(self, scope: Mapping[str, Any], receive: Receive) -> None:
        super().__init__(
            {
                "peername": scope.get("client"),
                "sockname": scope.get("server"),
                "sslcontext": _TLS_STAND_IN if scope.get("scheme") in _SECURE else None,
            }
        )
        self._receive = receive
        self._protocol: asyncio.BaseProtocol | None = None
        self._sink: BodySink | None = None
        self._resume: asyncio.Future[None] | None = None
        self._paused = False
        self._more = False
        self._eof_pending = False
        self._closing = False
        self._done = False
        self._held: asyncio.AbstractEventLoop | None = None
        self.client_gone = False

    # reading

    def start_reading(
        self,
        protocol: asyncio.BaseProtocol,
        sink: BodySink | None,
        has_body: bool,
        hold: bool = False,
    ) -> None:
        """Start delivering the body to ``sink`` and watching for a disconnect.

        Without a body the watch starts on the loop's next turn, and only if the
        request is still being handled: a response written at once costs no task.
        With ``hold`` the body waits for ``continue_body()`` (invariant 6).
        """
        self._protocol = protocol
        self._sink = sink
        loop = asyncio.get_running_loop()
        if hold:
            self._held = loop
        elif has_body:
            loop.create_task(self._read())
        else:
            loop.call_soon(self._watch_if_busy, loop)

    def continue_body(self) -> None:
        """Let a held body come: the server sends ``100 Continue`` when it is first read."""
        loop, self._held = self._held, None
        if loop is not None and not self._done:
            loop.create_task(self._read())

    def _watch_if_busy(self, loop: asyncio.AbstractEventLoop) -> None:
        if not self._done:
            loop.create_task(self._read())

    async def _read(self) -> None:
        receive = self._receive
        while not self._done:
            if self._paused:
                self._resume = asyncio.get_running_loop().create_future()
                await self._resume
                continue
            if self._more or self._eof_pending:
                self._decompress()
                continue
            message = await receive()
            if message["type"] == "http.request":
                self._deliver(message.get("body", b""), message.get("more_body", False))
            elif message["type"] == "http.disconnect":
                self._disconnected()
                return

    def _deliver(self, body: bytes, more_body: bool) -> None:
        sink = self._sink
        if sink is None:
            return
        if body:
            try:
                self._more = sink.feed_data(body, len(body))
            except Exception as error:
                self._sink = None
                _fail(sink, error)
                return
        self._eof_pending = not more_body
        self._decompress()

    def _decompress(self) -> None:
        """Let a ``DeflateBuffer`` emit what it holds, as far as flow control allows; then EOF."""
        sink = self._sink
        if sink is None:
            self._more = self._eof_pending = False
            return
        try:
            while self._more and not self._paused:
                self._more = sink.feed_data(b"", 0)
            if self._eof_pending and not self._more:
                self._eof_pending = False
                self._sink = None
                sink.feed_eof()
        except Exception as error:
            self._sink = None
            self._more = self._eof_pending = False
            _fail(sink, error)

    def _disconnected(self) -> None:
        if self._done:
            return
        self._done = True
        self.client_gone = True
        self._closing = True
        protocol, self._protocol = self._protocol, None
        if protocol is not None:
            protocol.connection_lost(None)

    def finish(self) -> None:
        """The request is handled: stop reading; what ``receive`` says next is not news."""
        self._done = True
        self._protocol = None
        self._wake()

    def _wake(self) -> None:
        resume, self._resume = self._resume, None
        if resume is not None and not resume.done():
            resume.set_result(None)

    # asyncio.ReadTransport

    def pause_reading(self) -> None:
        self._paused = True

    def resume_reading(self) -> None:
        self._paused = False
        self._wake()

    def is_reading(self) -> bool:
        return not self._paused and not self._done

    # asyncio.BaseTransport

    def is_closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        """Refuse further writes; the server closes the connection once the app returns."""
        self._closing = True

    def abort(self) -> None:
        self._closing = True

    def get_protocol(self) -> asyncio.BaseProtocol:
        assert self._protocol is not None, "no protocol"
        return self._protocol

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._protocol = protocol

    # asyncio.WriteTransport: responses go through the stream writer, as ASGI messages

    def write(self, data: Any) -> None:
        """Refused, but for an expect handler's interim response (invariant 6)."""
        if self._held is None:
            raise NotImplementedError("an ASGI transport is written to through the response")
        self.continue_body()  # the server writes its own 100 Continue

    def writelines(self, list_of_data: Any) -> None:
        raise NotImplementedError("an ASGI transport is written to through the response")

    def can_write_eof(self) -> bool:
        return False

    def get_write_buffer_size(self) -> int:
        return 0

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

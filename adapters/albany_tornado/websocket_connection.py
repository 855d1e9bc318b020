"""``WebSocketConnection``: Tornado's ``HTTPConnection`` for an upgrade request, over ASGI.

The upgrade request runs through the application like any request (routing,
``prepare``, ``check_origin``…); what the handler writes becomes the handshake's
answer:

- a ``101`` from the stand-in protocol (``AlbanyWebSocketProtocol``) is
  ``websocket.accept``, with the selected subprotocol and the handler's other headers
  (``Set-Cookie``…), and, through the ``albany.websocket.options`` extension, the
  handler's compression rule and message limit;
- any other response (403 from ``check_origin``, 404, 500, ``send_error``…) is a
  denial: ``websocket.http.response.start`` and ``.body`` when the server has the
  ``websocket.http.response`` extension, else ``websocket.close`` (most servers answer
  403).

``RequestHandler.__init__`` gives the connection its close callback, the handler's
bound ``on_connection_close``: that is how the connection meets a ``WebSocketHandler``
and gives it the stand-in protocol, for that instance only.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable

from tornado import httputil, iostream
from tornado.websocket import WebSocketClosedError, WebSocketHandler

from albany.types import Message, Send
from albany.websocket.handshake import HANDSHAKE_FIELDS
from albany_tornado.connection import AlbanyConnection, response_headers
from albany_tornado.context import RequestContext
from albany_tornado.sending import Future, SendFailed, failed
from albany_tornado.websocket_protocol import AlbanyWebSocketProtocol

PING_EXTENSION = "albany.websocket.ping"
DENIAL_EXTENSION = "websocket.http.response"
OPTIONS_EXTENSION = "albany.websocket.options"


class MessageFuture(Future[None]):
    """A message's future: a gone client fails it with Tornado's ``WebSocketClosedError``."""

    def set_exception(self, exception: type | BaseException) -> None:
        if isinstance(exception, SendFailed):
            closed = WebSocketClosedError()
            closed.__cause__ = exception
            exception = closed
        super().set_exception(exception)


class WebSocketConnection(AlbanyConnection):
    """One upgrade request of a Tornado delegate, answered with ASGI ``websocket`` messages."""

    def __init__(
        self,
        send: Send,
        loop: asyncio.AbstractEventLoop,
        context: RequestContext,
        subprotocols: list[str],
        extensions: dict[str, Any],
    ) -> None:
        super().__init__(send, loop, context, 0, False)
        self.subprotocols = subprotocols
        """What the client offered (``Sec-WebSocket-Protocol``), in order."""
        self.can_deny = DENIAL_EXTENSION in extensions
        self.can_ping = PING_EXTENSION in extensions
        self.can_narrow = OPTIONS_EXTENSION in extensions
        self.protocol: AlbanyWebSocketProtocol | None = None
        self.accepted = False
        self.answered: Future[None] = loop.create_future()
        """Resolves once the handler accepted, or finished its denial."""
        self._handler: WebSocketHandler | None = None
        self._denial_started = False

    def set_close_callback(self, callback: Callable[[], None] | None) -> None:
        """Also where a ``WebSocketHandler`` is met: its protocol is the stand-in."""
        super().set_close_callback(callback)
        handler = getattr(callback, "__self__", None)
        if isinstance(handler, WebSocketHandler) and self._handler is None:
            self._handler = handler
            # an instance attribute: the class, and every other handler, stay as they are
            handler.get_websocket_protocol = self._protocol_for_handler  # type: ignore[method-assign]

    def _protocol_for_handler(self) -> AlbanyWebSocketProtocol:
        assert self._handler is not None
        self.protocol = AlbanyWebSocketProtocol(self._handler, self)
        return self.protocol

    # -- the handshake's answer

    def write_headers(
        self,
        start_line: httputil.RequestStartLine | httputil.ResponseStartLine,
        headers: httputil.HTTPHeaders,
        chunk: bytes | None = None,
    ) -> Future[None]:
        """``101`` from the stand-in protocol accepts; any other status denies."""
        assert isinstance(start_line, httputil.ResponseStartLine)
        self.headers_written = True
        protocol = self.protocol
        if start_line.code == 101 and protocol is not None:
            accept: Message = {
                "type": "websocket.accept",
                "subprotocol": protocol.selected_subprotocol or None,
                "headers": [
                    field
                    for field in response_headers(headers)
                    if field[0].lower() not in HANDSHAKE_FIELDS
                ],
            }
            if self.can_ping:
                accept[PING_EXTENSION] = True
            if self.can_narrow:
                accept[OPTIONS_EXTENSION] = protocol.session_options()
            future = self._post(accept)  # raises if the server refuses the message
            self.accepted = True
            _resolve(self.answered)
            return future
        if not self.can_deny:
            return self._post({"type": "websocket.close"})
        self._denial_started = True
        start = {
            "type": "websocket.http.response.start",
            "status": start_line.code,
            "headers": response_headers(headers),
        }
        future = self._post(start)
        return self.write(chunk) if chunk else future

    def write(self, chunk: bytes) -> Future[None]:
        """A piece of a denial's body; nothing else has a body."""
        if not self._denial_started or not chunk:
            return self._done()
        return self._post(
            {"type": "websocket.http.response.body", "body": chunk, "more_body": True}
        )

    def finish(self) -> None:
        """The handler has answered: the denial's last message, if it is one."""
        self.write_finished = True
        if self._denial_started:
            self._post({"type": "websocket.http.response.body", "body": b""})
        _resolve(self.answered)

    def reject(self, status: int) -> None:
        """A request Tornado finds malformed: denied with ``status`` if nothing was written."""
        if self.headers_written:
            return
        self.write_headers(
            httputil.ResponseStartLine("HTTP/1.1", status, ""),
            httputil.HTTPHeaders({"Content-Length": "0"}),
        )
        self.finish()

    # -- what the stand-in protocol sends

    def submit(self, message: Message) -> Future[None]:
        """Send ``message`` after those before it; the future resolves once Albany took it.

        Raises ``WebSocketClosedError`` at once if the client is known to be gone.
        """
        sender = self._sender
        if sender.gone:
            raise WebSocketClosedError()
        future = MessageFuture(loop=self._loop)
        try:
            sender.submit(message, future)
        except SendFailed as error:
            raise WebSocketClosedError() from error
        return future

    @property
    def gone(self) -> bool:
        """A ``send`` has failed: the client is gone."""
        return self._sender.gone

    def _post(self, message: Message) -> Future[None]:
        """``submit`` for the handshake's answer: a gone client fails the future, as in HTTP."""
        try:
            return self.submit(message)
        except WebSocketClosedError:
            return failed(self._loop, iostream.StreamClosedError())

    def _done(self) -> Future[None]:
        future: Future[None] = self._loop.create_future()
        future.set_result(None)
        return future


def _resolve(future: Future[None]) -> None:
    if not future.done():
        future.set_result(None)

"""One WebSocket session: the ASGI ``websocket`` scope over wsproto's sans-IO frame protocol.

The connection's ``HttpConnection`` starts a session for a valid upgrade request and from
then on hands it every byte the backend delivers. The session answers the handshake
for the app (101, or a denial), then frames messages both ways. Futures come from the
app's runner, time from the server's clock: no loop is imported here.

=========== ==================================== ==================== ===========================
state       meaning                              the app may send     leaves when
=========== ==================================== ==================== ===========================
connecting  the app has the scope, no answer     accept, close,       the app answers; the open
                                                 http.response.start  timeout (503); client gone
responding  the app denies with a response       http.response.body   its last body piece
open        101 written; frames both ways        send, close          either side closes or fails
closing     our close frame is out               close (ignored)      the peer's close frame, or
                                                                      the close timeout
closed      the TCP connection is closing        nothing              —
=========== ==================================== ==================== ===========================

Invariants:

1. ``receive()`` returns ``websocket.connect`` first, then each message in order, then
   ``websocket.disconnect``, which it returns again to any later call.
2. ``send()`` of anything once the session is closed raises ``ClientDisconnected``.
3. No close frame on the wire carries 1005, 1006 or 1015: a peer's close without a code
   is answered without one; the others are refused from the app (``ValueError``).
4. Reading pauses while ``max_queue`` messages wait for the app; ``send()`` waits while
   the transport is over its high-water mark (the connection's drain).
5. One timer at a time: the open timeout (connecting), the ping interval then the pong
   timeout (open), the close timeout (closing).
6. Control frames reach the app only if it accepted with ``"albany.websocket.ping": True``
   (the ``albany.websocket.ping`` extension): each peer ping (already answered) and pong
   becomes an ``albany.websocket.ping`` / ``albany.websocket.pong`` message, in order.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Literal

from wsproto.connection import Connection, ConnectionState, ConnectionType
from wsproto.events import BytesMessage, CloseConnection, Ping, Pong, TextMessage
from wsproto.frame_protocol import ParseFailed

from albany.gateway.cycle import READY, ClientDisconnected
from albany.http1.events import Request
from albany.http1.writer import ResponseWriter, error_response
from albany.types import App, Message
from albany.websocket.extensions import negotiate
from albany.websocket.handshake import Handshake, accept_head, choose_subprotocol
from albany.websocket.settings import WebSocketSettings

if TYPE_CHECKING:
    from albany.gateway.connection import HttpConnection
    from albany.gateway.interfaces import AppRunner, Timer

logger = logging.getLogger("albany.error")
access_logger = logging.getLogger("albany.access")

SessionState = Literal["connecting", "responding", "open", "closing", "closed"]

_NO_STATUS = 1005
_ABNORMAL = 1006
_GOING_AWAY = 1001
_INTERNAL_ERROR = 1011
_SERVICE_RESTART = 1012
_SENDABLE = frozenset({1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014})
_PING_PAYLOAD = b"albany"
_CONTROL_PAYLOAD_LIMIT = 125
_APP_PING = "albany.websocket.ping"
_APP_PONG = "albany.websocket.pong"


def _sendable(code: int) -> bool:
    return code in _SENDABLE or 3000 <= code <= 4999


class WebSocketSession:
    """The app's ``receive``/``send`` for one WebSocket connection, and its frames."""

    def __init__(
        self,
        connection: HttpConnection,
        request: Request,
        handshake: Handshake,
        runner: AppRunner,
        settings: WebSocketSettings,
        client: tuple[str, int] | None,
    ) -> None:
        self._connection = connection
        self._client = client
        self.request = request
        self._handshake = handshake
        self._runner = runner
        self._settings = settings
        self.state: SessionState = "connecting"
        self.status = 0
        self._incoming: deque[Message] = deque([{"type": "websocket.connect"}])
        self._disconnect: Message | None = None
        self._waiter: Any = None
        self._early: list[bytes] = []
        self._early_size = 0
        self._ws: Connection | None = None
        self._parts: list[Any] = []
        self._reading_paused = False
        self._timer: Timer | None = None
        self._awaiting_pong = False
        self._deny: Message | None = None
        self._writer: ResponseWriter | None = None
        self._shutdown_pending = False
        self._failure: tuple[int, str] | None = None
        self._control_to_app = False

    def start(self, app: App, scope: dict[str, Any], early_data: bytes) -> None:
        """Call the app; ``early_data`` followed the request head (frames sent too soon)."""
        if early_data:
            self.data_received(early_data)
        self._arm(self._settings.open_timeout, self._open_timed_out)
        self._runner.run(app, scope, self)

    # transport events, forwarded by the HttpConnection

    def data_received(self, data: bytes) -> None:
        state = self.state
        if state == "open" or state == "closing":
            if self._failure is None:
                self._frames_received(data)
        elif state != "closed":
            # A client must wait for the 101; keep what it sent meanwhile, within reason.
            self._early.append(data)
            self._early_size += len(data)
            limit = self._settings.frame_limit
            if limit is not None and self._early_size > limit + 14:
                self._connection.close()

    def connection_lost(self) -> None:
        self.state = "closed"
        self._cancel_timer()
        self._disconnected(_ABNORMAL, "")

    def shutdown(self) -> None:
        """Graceful shutdown: close with 1012, once the app has accepted."""
        if self.state == "open":
            self._close(_SERVICE_RESTART, "Server is shutting down")
        elif self.state == "connecting":
            self._shutdown_pending = True

    # the app's side

    async def receive(self) -> Message:
        incoming = self._incoming
        while True:
            if incoming:
                message = incoming.popleft()
                if self._reading_paused and len(incoming) < self._settings.max_queue:
                    self._reading_paused = False
                    self._connection.transport.resume_reading()
                return message
            if self._disconnect is not None:
                return self._disconnect
            if self._failure is not None:
                self._fail_now()  # the app has taken what came before the peer's error
                continue
            self._waiter = waiter = self._runner.create_future()
            await waiter

    def send(self, message: Message) -> Awaitable[None]:
        """Take one message; the awaitable waits while the transport is full."""
        kind = message["type"]
        state = self.state
        if state == "closed" or (state == "closing" and kind != "websocket.close"):
            raise ClientDisconnected("The WebSocket connection is closed")
        connection = self._connection
        if kind == "websocket.send":
            if state != "open":
                raise RuntimeError("websocket.send before websocket.accept")
            data = message.get("bytes")
            text = message.get("text")
            if (data is None) == (text is None):
                raise ValueError("websocket.send needs exactly one of 'bytes' and 'text'")
            if text is None:
                event: BytesMessage | TextMessage = BytesMessage(data=data)  # type: ignore[arg-type]
            else:
                event = TextMessage(data=text)
            connection.write(self._ws.send(event))  # type: ignore[union-attr]
            if connection.write_paused:
                return connection.drained(self._runner)
        elif kind == "websocket.accept":
            if state != "connecting":
                raise RuntimeError(f"Unexpected websocket.accept: the session is {state}")
            self._accept(message)
        elif kind == "websocket.close":
            code = message.get("code") or 1000
            reason = message.get("reason") or ""
            if not _sendable(code):
                raise ValueError(f"Close code {code} may not be sent")
            if state == "open":
                self._close(code, reason)
            elif state == "connecting":
                self._respond_error(403, "Forbidden")
                self._disconnected(code, reason)
            elif state == "responding":
                raise RuntimeError("websocket.close while sending an HTTP response")
        elif kind == "websocket.http.response.start":
            if state != "connecting":
                raise RuntimeError(f"Unexpected {kind}: the session is {state}")
            self._deny = message
            self.status = message["status"]
            self.state = "responding"
        elif kind == "websocket.http.response.body":
            if state != "responding":
                raise RuntimeError(f"Unexpected {kind}: no response has started")
            return self._respond(message)
        elif kind == _APP_PING or kind == _APP_PONG:
            if state != "open":
                raise RuntimeError(f"{kind} before websocket.accept")
            self._send_control(kind, message.get("bytes") or b"")
        else:
            raise RuntimeError(f"Unexpected ASGI message type {kind!r} for a WebSocket scope")
        return READY

    def app_finished(self, error: BaseException | None) -> None:
        """The app returned or raised: answer the handshake, or close, if it did not."""
        state = self.state
        if error is not None:
            if isinstance(error, ClientDisconnected) and self._disconnect is not None:
                return
            logger.error("Exception in ASGI application", exc_info=error)
        elif state == "connecting" or state == "responding":
            logger.error("ASGI callable returned without completing the WebSocket handshake.")
        if state == "open":
            self._close(_INTERNAL_ERROR if error is not None else 1000, "")
        elif state == "connecting" or (state == "responding" and self._writer is None):
            self._respond_error(500, "Internal Server Error")
        elif state == "responding":
            self._finish()  # bytes of the response are on the wire: only closing is left

    # the handshake

    def _accept(self, message: Message) -> None:
        connection = self._connection
        headers = message.get("headers") or ()
        subprotocol = choose_subprotocol(self._handshake, message.get("subprotocol"), headers)
        extensions, answer = negotiate(self._handshake.extension_offers, self._settings)
        head = accept_head(
            self._handshake, subprotocol, answer, headers, connection.state.default_headers()
        )
        self._ws = Connection(ConnectionType.SERVER, extensions)
        self._control_to_app = message.get(_APP_PING) is True
        self.state = "open"
        self.status = 101
        connection.write(head)
        self._log_access()
        self._cancel_timer()
        if self._settings.ping_interval is not None:
            self._arm(self._settings.ping_interval, self._send_ping)
        early, self._early = b"".join(self._early), []
        if early:
            self._frames_received(early)
        if self._shutdown_pending and self.state == "open":
            self._close(_SERVICE_RESTART, "Server is shutting down")

    def _respond(self, message: Message) -> Awaitable[None]:
        connection = self._connection
        body = message.get("body", b"")
        more_body = message.get("more_body", False)
        writer = self._writer
        if writer is None:
            start = self._deny
            assert start is not None
            writer = ResponseWriter()
            data = writer.begin(
                self.request,
                self.status,
                start.get("headers", ()),
                connection.state.default_headers(),
                body,
                more_body,
                False,
            )
            self._writer = writer  # only now: a head the writer rejects is still answerable
            self._cancel_timer()
            self._log_access()
        else:
            data = writer.write(body, more_body)
        connection.write(data)
        if not more_body:
            self._finish()
            self._disconnected(1000, "")
        elif connection.write_paused:
            return connection.drained(self._runner)
        return READY

    def _respond_error(self, status: int, message: str, headers: bytes = b"") -> None:
        self.status = status
        connection = self._connection
        connection.write(
            error_response(status, message, connection.state.default_headers() + headers)
        )
        self._log_access()
        self._finish()

    def _open_timed_out(self) -> None:
        if self.state == "connecting":
            logger.warning("WebSocket handshake not answered by the app within the open timeout")
            self._respond_error(503, "Service Unavailable")
            self._disconnected(_ABNORMAL, "")

    # frames

    def _frames_received(self, data: bytes) -> None:
        ws = self._ws
        assert ws is not None
        connection = self._connection
        try:
            ws.receive_data(data)
            for event in ws.events():
                kind = type(event)
                if kind is TextMessage or kind is BytesMessage:
                    parts = self._parts
                    if not event.message_finished:  # type: ignore[attr-defined]
                        parts.append(event.data)  # type: ignore[attr-defined]
                        continue
                    if kind is TextMessage:
                        text = event.data  # type: ignore[attr-defined]
                        if parts:
                            parts.append(text)
                            text = "".join(parts)
                            parts.clear()
                        received: Message = {"type": "websocket.receive", "text": text}
                    else:
                        payload = event.data  # type: ignore[attr-defined]
                        if parts:
                            parts.append(payload)
                            payload = b"".join(parts)
                            parts.clear()
                        received = {"type": "websocket.receive", "bytes": bytes(payload)}
                    self._deliver(received)
                elif kind is Ping:
                    if ws.state is ConnectionState.OPEN:
                        connection.write(ws.send(event.response()))  # type: ignore[attr-defined]
                    if self._control_to_app:
                        payload = bytes(event.payload)  # type: ignore[attr-defined]
                        self._deliver({"type": _APP_PING, "bytes": payload})
                elif kind is Pong:
                    if self._awaiting_pong:
                        self._awaiting_pong = False
                        self._arm(self._settings.ping_interval or 0.0, self._send_ping)
                    if self._control_to_app:
                        payload = bytes(event.payload)  # type: ignore[attr-defined]
                        self._deliver({"type": _APP_PONG, "bytes": payload})
                elif kind is CloseConnection:
                    self._peer_closed(event.code, event.reason)  # type: ignore[attr-defined]
                    return
        except ParseFailed as error:
            self._fail(int(error.code), str(error))

    def _deliver(self, message: Message) -> None:
        incoming = self._incoming
        incoming.append(message)
        if len(incoming) >= self._settings.max_queue and not self._reading_paused:
            self._reading_paused = True
            self._connection.transport.pause_reading()
        self._wake()

    def _peer_closed(self, code: int, reason: str) -> None:
        ws = self._ws
        assert ws is not None
        if ws.state is ConnectionState.OPEN:
            # wsproto reports a protocol error (or a limit) as a close event with its code
            self._fail(int(code), reason or "")
            return
        if ws.state is ConnectionState.REMOTE_CLOSING:
            # the peer began: answer with its code (none for 1005)
            self._connection.write(ws.send(CloseConnection(code=code)))
        self._finish()
        self._disconnected(int(code), reason or "")

    def _fail(self, code: int, reason: str) -> None:
        """The peer broke the protocol (or a limit): close with ``code`` and drop it.

        Messages that arrived before the error are still the app's: while some wait for
        ``receive()``, failing waits until the app has taken them (and could answer
        them), bounded by the close timeout. Bytes after the error are not read.
        """
        if self._incoming and self.state == "open":
            self._failure = (code, reason)
            self._arm(self._settings.close_timeout, self._fail_now)
            return
        self._failure = (code, reason)
        self._fail_now()

    def _fail_now(self) -> None:
        if self._failure is None or self.state == "closed":
            return
        code, reason = self._failure
        ws = self._ws
        assert ws is not None
        if ws.state is ConnectionState.OPEN or ws.state is ConnectionState.REMOTE_CLOSING:
            self._connection.write(ws.send(CloseConnection(code=code)))
        self._finish()
        self._disconnected(code, reason)

    def _close(self, code: int, reason: str) -> None:
        """Send our close frame; wait for the peer's within the close timeout."""
        ws = self._ws
        assert ws is not None
        self.state = "closing"
        self._connection.write(ws.send(CloseConnection(code=code, reason=reason)))
        if self._failure is not None:  # the peer broke the protocol: no close frame will come
            self._finish()
            self._disconnected(*self._failure)
            return
        self._arm(self._settings.close_timeout, self._close_timed_out)

    def _close_timed_out(self) -> None:
        if self.state == "closing":
            self._finish()
            self._disconnected(_ABNORMAL, "")

    def _send_control(self, kind: str, payload: bytes) -> None:
        """The app's own ping or (unsolicited) pong frame."""
        if not isinstance(payload, (bytes, bytearray)):
            raise TypeError(f"{kind} needs 'bytes', not {type(payload).__name__}")
        if len(payload) > _CONTROL_PAYLOAD_LIMIT:
            raise ValueError(f"{kind} payload is {len(payload)} bytes; at most 125 fit a frame")
        ws = self._ws
        assert ws is not None
        event = Ping(payload=bytes(payload)) if kind == _APP_PING else Pong(payload=bytes(payload))
        self._connection.write(ws.send(event))

    def _send_ping(self) -> None:
        if self.state != "open":
            return
        ws = self._ws
        assert ws is not None
        self._awaiting_pong = True
        self._connection.write(ws.send(Ping(payload=_PING_PAYLOAD)))
        self._arm(self._settings.ping_timeout, self._pong_timed_out)

    def _pong_timed_out(self) -> None:
        if self.state == "open" and self._awaiting_pong:
            ws = self._ws
            assert ws is not None
            self._connection.write(ws.send(CloseConnection(code=_INTERNAL_ERROR)))
            self._finish()
            self._disconnected(_INTERNAL_ERROR, "keepalive ping timeout")

    # bookkeeping

    def _finish(self) -> None:
        self.state = "closed"
        self._cancel_timer()
        self._connection.close()

    def _disconnected(self, code: int, reason: str) -> None:
        if self._disconnect is None:
            self._disconnect = {"type": "websocket.disconnect", "code": code, "reason": reason}
            self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            self._runner.resolve(waiter, None)

    def _arm(self, delay: float, callback: Callable[[], None]) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self._connection.state.clock.call_later(delay, callback)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _log_access(self) -> None:
        if not self._connection.state.access_log:
            return
        request = self.request
        client = self._client
        query = request.query_string
        access_logger.info(
            '%s - "WEBSOCKET %s HTTP/1.1" %d',
            f"{client[0]}:{client[1]}" if client else "-",
            request.raw_path.decode("latin-1") + ("?" + query.decode("latin-1") if query else ""),
            self.status,
        )

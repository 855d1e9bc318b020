"""One WebSocket session: the ASGI ``websocket`` scope over Albany's sans-IO frames.

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
   becomes an ``albany.websocket.ping`` / ``albany.websocket.pong`` message, in order;
   the pong answering the server's own keepalive ping is the server's alone.
7. An app that accepts with ``"albany.websocket.options"`` may decline permessage-deflate
   and lower the message limit for its session (``session_settings``).
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Literal

from albany.gateway.cycle import READY, ClientDisconnected
from albany.http1.events import Request
from albany.http1.writer import ResponseWriter, error_response
from albany.types import App, Message
from albany.websocket.extensions import negotiate
from albany.websocket.frames import (
    BINARY,
    MAX_CONTROL,
    PING,
    PONG,
    TEXT,
    FrameReader,
    FrameWriter,
    valid_close_code,
)
from albany.websocket.handshake import Handshake, accept_head, choose_subprotocol
from albany.websocket.settings import WebSocketSettings

if TYPE_CHECKING:
    from albany.gateway.connection import HttpConnection
    from albany.gateway.interfaces import AppRunner, Timer

logger = logging.getLogger("albany.error")
access_logger = logging.getLogger("albany.access")

SessionState = Literal["connecting", "responding", "open", "closing", "closed"]

_ABNORMAL = 1006
_INTERNAL_ERROR = 1011
_SERVICE_RESTART = 1012
_PING_PAYLOAD = b"albany"
_APP_PING = "albany.websocket.ping"
_APP_PONG = "albany.websocket.pong"
_APP_OPTIONS = "albany.websocket.options"
_TOO_BIG = 1009


def session_settings(settings: WebSocketSettings, options: Any) -> WebSocketSettings:
    """The server's settings as narrowed by the app's ``albany.websocket.options`` at accept.

    The app may decline permessage-deflate and lower (never raise) the message limit
    (``too_big_reason``, the close reason when a message passes it, is the session's).
    """
    if not options:
        return settings
    deflate = settings.per_message_deflate and options.get("per_message_deflate", True) is not False
    limit = settings.max_message_size
    wanted = options.get("max_message_size")
    if wanted is not None:
        limit = wanted if limit is None else min(limit, wanted)
    frame_limit = settings.frame_limit
    if limit is not None and (frame_limit is None or frame_limit > limit):
        frame_limit = limit
    return replace(
        settings, per_message_deflate=deflate, max_message_size=limit, max_frame_size=frame_limit
    )


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
        self._frames_in: FrameReader | None = None
        self._frames_out: FrameWriter | None = None
        self._close_sent = False
        self._reading_paused = False
        self._timer: Timer | None = None
        self._awaiting_pong = False
        self._deny: Message | None = None
        self._writer: ResponseWriter | None = None
        self._shutdown_pending = False
        self._failure: tuple[int, str] | None = None
        self._control_to_app = False
        self._too_big_reason: str | None = None

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
            connection.write(self._frames_out.message(data if text is None else text))  # type: ignore[union-attr,arg-type]
            if connection.write_paused:
                return connection.drained(self._runner)
        elif kind == "websocket.accept":
            if state != "connecting":
                raise RuntimeError(f"Unexpected websocket.accept: the session is {state}")
            self._accept(message)
        elif kind == "websocket.close":
            code = message.get("code") or 1000
            reason = message.get("reason") or ""
            if not valid_close_code(code):
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
        options = message.get(_APP_OPTIONS) or {}
        settings = session_settings(self._settings, options)
        self._too_big_reason = options.get("too_big_reason")
        deflate, answer = negotiate(self._handshake.extension_offers, settings)
        head = accept_head(
            self._handshake, subprotocol, answer, headers, connection.state.default_headers()
        )
        self._frames_in = FrameReader(settings.frame_limit, settings.max_message_size, deflate)
        self._frames_out = FrameWriter(deflate)
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
        reader = self._frames_in
        assert reader is not None
        for opcode, value in reader.feed(data):
            if opcode == BINARY:
                self._deliver({"type": "websocket.receive", "bytes": value})
            elif opcode == TEXT:
                self._deliver({"type": "websocket.receive", "text": value})
            elif opcode == PING:
                if not self._close_sent:
                    self._connection.write(self._frames_out.pong(value))  # type: ignore[union-attr]
                if self._control_to_app:
                    self._deliver({"type": _APP_PING, "bytes": value})
            elif opcode == PONG:
                if self._awaiting_pong and value == _PING_PAYLOAD:  # the keepalive's: ours
                    self._awaiting_pong = False
                    self._arm(self._settings.ping_interval or 0.0, self._send_ping)
                elif self._control_to_app:
                    self._deliver({"type": _APP_PONG, "bytes": value})
            else:
                self._peer_closed(*value)
                return
        if reader.failure is not None:
            code, reason = reader.failure
            if code == _TOO_BIG and self._too_big_reason is not None:
                reason = self._too_big_reason
            self._fail(code, reason)

    def _deliver(self, message: Message) -> None:
        incoming = self._incoming
        incoming.append(message)
        if len(incoming) >= self._settings.max_queue and not self._reading_paused:
            self._reading_paused = True
            self._connection.transport.pause_reading()
        self._wake()

    def _peer_closed(self, code: int, reason: str) -> None:
        if not self._close_sent:  # the peer began: answer with its code (none for 1005)
            self._write_close(code)
        self._finish()
        self._disconnected(code, reason)

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
        if not self._close_sent:
            # a failure's close frame carries no reason, unless the app chose one for 1009
            told = code == _TOO_BIG and self._too_big_reason is not None
            self._write_close(code, reason if told else "")
        self._finish()
        self._disconnected(code, reason)

    def _close(self, code: int, reason: str) -> None:
        """Send our close frame; wait for the peer's within the close timeout."""
        self.state = "closing"
        self._write_close(code, reason)
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
        if len(payload) > MAX_CONTROL:
            raise ValueError(f"{kind} payload is {len(payload)} bytes; at most 125 fit a frame")
        frames = self._frames_out
        assert frames is not None
        payload = bytes(payload)
        self._connection.write(frames.ping(payload) if kind == _APP_PING else frames.pong(payload))

    def _send_ping(self) -> None:
        if self.state != "open":
            return
        self._awaiting_pong = True
        self._connection.write(self._frames_out.ping(_PING_PAYLOAD))  # type: ignore[union-attr]
        self._arm(self._settings.ping_timeout, self._pong_timed_out)

    def _pong_timed_out(self) -> None:
        if self.state == "open" and self._awaiting_pong:
            self._write_close(_INTERNAL_ERROR)
            self._finish()
            self._disconnected(_INTERNAL_ERROR, "keepalive ping timeout")

    # bookkeeping

    def _write_close(self, code: int, reason: str = "") -> None:
        frames = self._frames_out
        assert frames is not None
        self._close_sent = True
        self._connection.write(frames.close(code, reason))

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

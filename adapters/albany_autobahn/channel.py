"""A protocol instance's sending side: autobahn's calls become ASGI messages.

``Channel.install`` sets, on the one protocol instance, the methods users call
(``sendMessage``, ``sendClose``, ``sendPing``…) and the ``transport`` they read; the
classes of autobahn are never touched. The calls are synchronous, as in autobahn; the
messages they make wait in order in an outbox that ``run`` sends, awaiting each
``send()`` (so a slow client slows the sending, not the caller).
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Any

from autobahn.exception import Disconnected, PayloadExceededError
from autobahn.websocket.protocol import WebSocketProtocol

from albany.neutral import Helpers
from albany.types import Message, Send
from albany_autobahn.flavours import resolve_once

logger = logging.getLogger("albany.error")

CONNECTING = WebSocketProtocol.STATE_CONNECTING
OPEN = WebSocketProtocol.STATE_OPEN
CLOSING = WebSocketProtocol.STATE_CLOSING
CLOSED = WebSocketProtocol.STATE_CLOSED

PING = "albany.websocket.ping"
PONG = "albany.websocket.pong"

_DROP_CODE = 1001  # dropConnection: ASGI cannot abort a connection, so "going away"
_SENDABLE = frozenset({1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014})

_FRAME_API = (
    "beginMessage",
    "beginMessageFrame",
    "sendMessageFrameData",
    "endMessage",
    "sendMessageFrame",
    "sendFrame",
    "sendData",
)


def _unavailable(name: str, why: str) -> Any:
    def unavailable(*args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(f"{name}() is not available under Albany: {why}")

    return unavailable


class Transport:
    """``proto.transport``: the peer and host addresses, and closing; no raw writes."""

    def __init__(self, channel: Channel, peer: Any, host: Any) -> None:
        self._channel = channel
        self._peer = peer
        self._host = host

    def getPeer(self) -> Any:
        """The client's address (a Twisted ``IAddress`` for Twisted factories)."""
        return self._peer

    def getHost(self) -> Any:
        """The server's address, as the scope gives it."""
        return self._host

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        """asyncio's ``peername``/``sockname``; anything else is ``default``."""
        return {"peername": self._peer, "sockname": self._host}.get(name, default)

    def loseConnection(self) -> None:
        """Close the WebSocket connection (``dropConnection``)."""
        self._channel.drop_connection()

    def abortConnection(self) -> None:
        """The same: an abort is a close frame too under ASGI."""
        self._channel.drop_connection(abort=True)

    close = loseConnection
    abort = abortConnection

    def write(self, data: bytes) -> None:
        """Unavailable: the bytes would bypass the framing (``NotImplementedError``)."""
        raise NotImplementedError(
            "Raw writes bypass WebSocket framing; send messages with sendMessage()"
        )

    writeSequence = write


class Channel:
    """The stand-in for autobahn's engine on one protocol instance."""

    def __init__(self, proto: Any, send: Send, helpers: Helpers, control: bool) -> None:
        self.proto = proto
        self.control = control
        """Whether the server offers ``albany.websocket.ping`` (pings and pongs)."""
        self._send = send
        self._helpers = helpers
        self._outbox: deque[Message] = deque()
        self._waiter: Any = None
        self._stopped = False
        self.answered_ping: bytes | None = None
        """The payload of the peer's ping being reported to ``onPing``: Albany has answered it."""

    def install(self, peer: Any, host: Any) -> None:
        """Give the protocol instance its sending methods and attributes."""
        proto = self.proto
        proto.state = CONNECTING
        proto.transport = Transport(self, peer, host)
        proto.sendMessage = self.send_message
        proto.sendPreparedMessage = self.send_prepared_message
        proto.sendClose = self.send_close
        proto.sendCloseFrame = self.send_close_frame
        proto.sendPing = self.send_ping
        proto.sendPong = self.send_pong
        proto.dropConnection = self.drop_connection
        proto._fail_connection = self.fail_connection
        proto.unregisterProducer = _ignore
        for name in _FRAME_API:
            why = "Albany's core frames whole messages; send each with sendMessage()"
            setattr(proto, name, _unavailable(name, why))
        why = "sendMessage() queues without a producer's flow control"
        proto.registerProducer = _unavailable("registerProducer", why)
        proto.trackedTimings = None
        proto.failedByMe = False
        proto.droppedByMe = False
        proto.closedByMe = False
        proto.wasClean = False
        proto.wasNotCleanReason = None
        proto.localCloseCode = None
        proto.localCloseReason = None
        proto.remoteCloseCode = None
        proto.remoteCloseReason = None

    # what users call

    def send_message(
        self,
        payload: bytes,
        isBinary: bool = False,
        fragmentSize: int | None = None,
        sync: bool = False,
        doNotCompress: bool = False,
    ) -> None:
        """One message; ``fragmentSize``, ``sync`` and ``doNotCompress`` are Albany's call."""
        if type(payload) is not bytes:
            raise TypeError(f'"payload" must have type bytes, but was "{type(payload)}"')
        proto = self.proto
        if proto.state != OPEN:
            raise Disconnected("Attempt to send on a closed protocol")
        limit = proto.maxMessagePayloadSize
        if 0 < limit < len(payload):
            raise PayloadExceededError(
                f"tried to send WebSocket message with size {len(payload)} "
                f"exceeding payload limit of {limit} octets"
            )
        if isBinary:
            self.put({"type": "websocket.send", "bytes": payload})
        else:
            self.put({"type": "websocket.send", "text": payload.decode("utf-8")})

    def send_prepared_message(self, prepared: Any) -> None:
        """A message from ``factory.prepareMessage(payload, isBinary)``."""
        if not hasattr(prepared, "payload"):
            raise NotImplementedError(
                "A message prepared with doNotCompress=True holds only its frame; under Albany "
                "prepare it without doNotCompress (Albany's core frames and compresses it)"
            )
        self.send_message(prepared.payload, prepared.binary)

    def send_close(self, code: int | None = None, reason: str | None = None) -> None:
        """Start the closing handshake, with autobahn's checks of ``code`` and ``reason``."""
        if code is not None:
            if type(code) is not int:
                raise TypeError(f"invalid type '{type(code)}' for close code (must be an integer)")
            if code != 1000 and not 3000 <= code <= 4999:
                raise ValueError(f"invalid close code {code} (must be 1000 or from [3000, 4999])")
        if reason is not None:
            if code is None:
                raise ValueError("close reason without close code")
            if type(reason) is not str:
                raise TypeError(f"reason must be of type unicode (was '{type(reason)}')")
        self.close(code, reason)

    def send_close_frame(
        self,
        code: int | None = None,
        reasonUtf8: bytes | None = None,
        isReply: bool = False,
    ) -> None:
        """autobahn's lower-level close: any code Albany may send."""
        reason = reasonUtf8.decode("utf-8", "replace") if reasonUtf8 else None
        self.close(code, reason)

    def send_ping(self, payload: bytes | None = None) -> None:
        """A ping frame (the ``albany.websocket.ping`` extension); the pong comes to ``onPong``."""
        self._control(PING, payload)

    def send_pong(self, payload: bytes | None = None) -> None:
        """A pong frame; none for the ping ``onPing`` is told about: Albany answered it."""
        if self.answered_ping is not None and (payload or b"") == self.answered_ping:
            self.answered_ping = None
            return
        self._control(PONG, payload)

    def drop_connection(self, abort: bool = False) -> None:
        """Close at once with 1001; ASGI has no way to cut a connection without a close frame."""
        proto = self.proto
        if proto.state == CLOSED:
            return
        proto.droppedByMe = True
        if proto.state == OPEN:
            self.put({"type": "websocket.close", "code": _DROP_CODE, "reason": ""})
        proto.state = CLOSED
        resolve_once(proto.is_closed, proto)

    def fail_connection(self, code: int = 1001, reason: str = "going away") -> None:
        """autobahn's ``_fail_connection``: close with ``code`` (protocol errors, limits)."""
        proto = self.proto
        if proto.state == OPEN:
            logger.warning("Failing WebSocket connection (code=%s): %s", code, reason)
            proto.failedByMe = True
            self.close(code, reason)

    # shared

    def close(self, code: int | None, reason: str | None) -> None:
        """Queue ``websocket.close`` once; no code is sent as 1000 (ASGI always has one)."""
        proto = self.proto
        state = proto.state
        if state == CONNECTING:
            raise RuntimeError("cannot close a connection not yet connected")
        if state != OPEN:
            return
        code = 1000 if code is None else code
        if not (code in _SENDABLE or 3000 <= code <= 4999):
            raise ValueError(f"Close code {code} may not be sent")
        proto.state = CLOSING
        proto.closedByMe = True
        proto.localCloseCode = code
        proto.localCloseReason = reason.encode("utf-8") if reason else None
        self.put({"type": "websocket.close", "code": code, "reason": reason or ""})

    def _control(self, kind: str, payload: bytes | None) -> None:
        if self.proto.state != OPEN:
            return
        payload = payload or b""
        if len(payload) > 125:
            frame = "PING" if kind == PING else "PONG"
            raise ValueError(
                f"invalid payload for {frame} (payload length must be <= 125, was {len(payload)})"
            )
        if not self.control:
            raise NotImplementedError(
                "Pings and pongs from the app need the albany.websocket.ping extension, which "
                "this server does not offer (the server's own keepalive still runs)"
            )
        self.put({"type": kind, "bytes": payload})

    # the outbox

    def put(self, message: Message) -> None:
        """Queue ``message`` for ``send()``, behind those queued before it."""
        if self._stopped:
            return
        self._outbox.append(message)
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            self._helpers.resolve(waiter, None)

    async def run(self) -> None:
        """Send what is queued, in order, until ``stop``."""
        outbox = self._outbox
        while True:
            while outbox:
                message = outbox.popleft()
                try:
                    await self._send(message)
                except OSError:  # albany.ClientDisconnected: the client is gone
                    self.stop()
                except Exception as error:  # noqa: BLE001 - one bad message, not the session
                    if not self._stopped:
                        logger.error("Sending %s failed", message["type"], exc_info=error)
            if self._stopped:
                return
            self._waiter = waiter = self._helpers.create_future()
            await waiter

    def stop(self) -> None:
        """The session is over: drop what is queued and let ``run`` end."""
        self._stopped = True
        self._outbox.clear()
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            self._helpers.resolve(waiter, None)


def _ignore(*args: Any, **kwargs: Any) -> None:
    return None

"""What a ``twisted.web.websocket`` protocol sees as its transport, over ASGI messages.

Twisted's ``WebSocketResource`` hands its protocol a ``WebSocketTransport`` backed by its
own wsproto engine on the raw TCP connection. Here the frames are Albany's: a
``MessageTransport`` turns the protocol's calls into ASGI messages, and ``drive`` turns the
session's messages into the protocol's callbacks.

================================= =========================================================
the protocol calls                the transport sends
================================= =========================================================
``sendTextMessage(text)``         ``websocket.send`` with ``text``
``sendBytesMessage(data)``        ``websocket.send`` with ``bytes``
``ping(payload)``                 ``albany.websocket.ping`` (the server must offer it)
``loseConnection(code, reason)``  ``websocket.close``
================================= =========================================================

Invariants:

1. Messages reach ``send`` in order and one at a time: while one waits for the client to
   drain, later ones queue here. Before the accept is out, every message queues behind it.
2. An attached push producer is paused while a send waits and resumed when the queue is
   empty; it is stopped when the connection ends, before ``connectionLost``.
3. Once the session is over (or closing), sends are dropped, as a TCP transport drops
   writes after ``loseConnection``.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Any, Awaitable

from twisted.internet.defer import Deferred
from twisted.internet.error import ConnectionDone, ConnectionLost
from twisted.python.failure import Failure

from albany.gateway.cycle import READY
from albany.types import Message, Receive
from albany_twisted_web.channel import Send

logger = logging.getLogger("albany.error")

PING_EXTENSION = "albany.websocket.ping"
_CONTROL_PAYLOAD_LIMIT = 125
_ABNORMAL = 1006
_INTERNAL_ERROR = 1011


class WebSocketClosed(ConnectionDone):
    """``connectionLost``'s reason after a close handshake: the peer's ``code`` and ``reason``."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"WebSocket closed with code {code}" + (f": {reason}" if reason else ""))
        self.code = code
        self.reason = reason


class WebSocketLost(ConnectionLost):
    """``connectionLost``'s reason when the connection went without a close frame (1006)."""

    def __init__(self, code: int = _ABNORMAL, reason: str = "") -> None:
        super().__init__("WebSocket connection lost without a close frame")
        self.code = code
        self.reason = reason


def disconnect_reason(message: Message) -> Failure:
    """The ``Failure`` a protocol's ``connectionLost`` gets for a ``websocket.disconnect``."""
    code = int(message.get("code") or _ABNORMAL)
    reason = message.get("reason") or ""
    error = WebSocketLost(code, reason) if code == _ABNORMAL else WebSocketClosed(code, reason)
    return Failure(error)  # type: ignore[no-untyped-call]


async def _await(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


class MessageTransport:
    """A ``twisted.web.websocket.WebSocketTransport`` whose sends are ASGI messages."""

    def __init__(self, send: Send, pings: bool) -> None:
        self._send = send
        self._pings = pings
        self._queue: deque[Message] = deque()
        self._draining: Deferred[Any] | None = None
        self._opened = False
        self.closing = False
        """``loseConnection`` was called: later sends are dropped."""
        self.gone = False
        """The session is over: nothing more reaches the client."""
        self.producer: Any = None
        self._producer_paused = False

    # WebSocketTransport

    def sendTextMessage(self, text: str) -> None:
        """Send one text message."""
        if not self.closing:
            self._emit({"type": "websocket.send", "text": text})

    def sendBytesMessage(self, data: bytes) -> None:
        """Send one bytes message."""
        if not self.closing:
            self._emit({"type": "websocket.send", "bytes": bytes(data)})

    def ping(self, payload: bytes = b"") -> None:
        """Send a ping frame; the peer's pong comes to the protocol's ``pongReceived``."""
        if not self._pings:
            raise RuntimeError(
                "ping() needs the albany.websocket.ping extension, which this server lacks"
            )
        if len(payload) > _CONTROL_PAYLOAD_LIMIT:
            raise ValueError(f"ping payload is {len(payload)} bytes; at most 125 fit a frame")
        if not self.closing:
            self._emit({"type": PING_EXTENSION, "bytes": bytes(payload)})

    def loseConnection(self, code: int = 1000, reason: str = "") -> None:
        """Close with ``code``; ``connectionLost`` follows once the peer has answered."""
        if not self.closing:
            self.closing = True
            self._emit({"type": "websocket.close", "code": code, "reason": reason})

    def attachProducer(self, producer: Any) -> None:
        """Attach a push producer: paused while the client is slow to take what is sent."""
        self.producer = producer
        self._producer_paused = False
        if self.gone:
            self.producer = None
            producer.stopProducing()
        elif self._draining is not None:
            self._producer_paused = True
            producer.pauseProducing()

    def detachProducer(self) -> None:
        """Detach the producer attached with ``attachProducer``."""
        self.producer = None

    # the adapter's side

    def open(self, accept: Message) -> None:
        """Send the accept (a refused one raises), then what the protocol sent meanwhile."""
        self._opened = True
        self._deliver(accept)
        self._flush()

    def lost(self) -> None:
        """The session is over: drop what waits, stop the producer."""
        self.gone = self.closing = True
        self._queue.clear()
        producer, self.producer = self.producer, None
        if producer is not None:
            producer.stopProducing()

    def _emit(self, message: Message) -> None:
        if self.gone:
            return
        if not self._opened or self._draining is not None or self._queue:
            self._queue.append(message)
        else:
            self._deliver(message)

    def _deliver(self, message: Message) -> None:
        try:
            waiting = self._send(message)
        except OSError:  # ClientDisconnected: websocket.disconnect reaches drive() next
            self.gone = self.closing = True
            self._queue.clear()
            return
        if waiting is READY:
            return
        drained = (
            waiting if isinstance(waiting, Deferred) else Deferred.fromCoroutine(_await(waiting))
        )
        if drained.called:
            drained.addErrback(self._drain_failed)
            return
        self._draining = drained
        if self.producer is not None and not self._producer_paused:
            self._producer_paused = True
            self.producer.pauseProducing()
        drained.addCallbacks(self._drained, self._drain_failed)

    def _flush(self) -> None:
        queue = self._queue
        while queue and self._draining is None and not self.gone:
            message = queue.popleft()
            try:
                self._deliver(message)
            except Exception:  # a bad message queued earlier: nobody to raise it to now
                logger.exception("twisted.web.websocket message %r refused", message["type"])

    def _drained(self, _: Any) -> None:
        self._draining = None
        self._flush()
        producer = self.producer
        if self._draining is None and producer is not None and self._producer_paused:
            self._producer_paused = False
            producer.resumeProducing()

    def _drain_failed(self, failure: Failure) -> None:
        self._draining = None
        self.gone = self.closing = True
        self._queue.clear()


async def drive(protocol: Any, transport: MessageTransport, receive: Receive) -> None:
    """Deliver the session's messages to ``protocol`` until ``websocket.disconnect``.

    A callback that raises is logged and closes the session with 1011; the messages after
    it are not delivered (Twisted drops the connection the same way).
    """
    failed = False
    while True:
        message = await receive()
        kind = message["type"]
        if kind == "websocket.disconnect":
            transport.lost()
            try:
                protocol.connectionLost(disconnect_reason(message))
            except Exception:
                logger.exception("Exception in connectionLost of %r", protocol)
            return
        if failed:
            continue
        try:
            if kind == "websocket.receive":
                text = message.get("text")
                if text is not None:
                    protocol.textMessageReceived(text)
                else:
                    protocol.bytesMessageReceived(message.get("bytes") or b"")
            elif kind == "albany.websocket.pong":
                protocol.pongReceived(message["bytes"])
            # albany.websocket.ping: the server has answered it; Twisted has no callback
        except Exception:
            failed = True
            logger.exception("Exception in twisted.web.websocket protocol %r", protocol)
            transport.loseConnection(_INTERNAL_ERROR, "")

"""The channel (and transport) a twisted.web ``Request`` writes to, bound to one Albany cycle.

A real ``twisted.web.server.Request`` (or the site's own subclass) is built on a
``RequestChannel`` instead of an ``HTTPChannel``. What the request calls on its channel
becomes ASGI messages:

================================ ==========================================================
``Request`` calls                the channel sends
================================ ==========================================================
``channel.writeHeaders``         ``http.response.start`` (framing headers left to Albany)
``channel.write``/``writeSequence`` ``http.response.body`` with ``more_body`` True
``channel.requestDone``          the last ``http.response.body``
================================ ==========================================================

Invariants:

1. Messages reach ``send`` in order and one at a time: while one waits for the transport
   to drain, later ones queue here.
2. A push producer is paused while a send waits and resumed when the queue is empty; a
   pull producer is asked for more only once what it wrote has been taken.
3. While the first render call runs, one body piece is held back, so that a resource
   returning bytes goes out as one message (head and body in one write).
4. The head goes out when Twisted writes it, as under ``HTTPChannel``: after the first
   render call when nothing followed it (``request.write(b"")``, ``NOT_DONE_YET``), and at
   once when it is written later. A ``setResponseCode`` message other than the standard
   one is the status line's reason (the ``albany.http.reason`` extension).
"""

from __future__ import annotations

from collections import deque
from typing import Any, Awaitable, Callable, Iterable

from twisted.internet.address import IPv4Address, IPv6Address, UNIXAddress
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure
from twisted.web.http import RESPONSES

from albany.gateway.cycle import READY
from albany.types import Message

Send = Callable[[Message], Awaitable[None]]

_ALBANY_OWNED = frozenset((b"transfer-encoding", b"server", b"date"))
"""Response headers Albany writes itself (spec 4.3); a Twisted request's copies are dropped."""

_SECURE = ("https", "wss")

_PULLS_PER_TURN = 32
"""Pull-producer rounds in one go before the reactor gets a turn."""


_ADDRESSES: dict[Any, Any] = {}
"""Addresses made lately, by scope pair: every request of a connection shares its pairs."""


def address(pair: Any) -> IPv4Address | IPv6Address | UNIXAddress:
    """A Twisted address for a scope's ``client`` or ``server`` pair.

    A Unix socket's is ``None`` (the client) or ``[path, None]`` (the server).
    """
    made = _ADDRESSES.get(pair)
    if made is not None:
        return made  # type: ignore[no-any-return]
    if pair is None or pair[1] is None:
        made = UNIXAddress(pair[0] if pair else None)
    elif ":" in pair[0]:
        made = IPv6Address("TCP", pair[0], pair[1])
    else:
        made = IPv4Address("TCP", pair[0], pair[1])
    if len(_ADDRESSES) >= 4096:
        _ADDRESSES.clear()
    _ADDRESSES[pair] = made
    return made


async def _await(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


class RequestChannel:
    """What one twisted.web request sees as its ``channel`` and its ``transport``."""

    def __init__(self, site: Any, scope: Any, send: Send) -> None:
        self.site = site
        self.factory = site  # Request.finish logs through channel.factory.log(request)
        self.transport = self
        self.request: Any = None
        self._scope = scope
        self._send = send
        self._queue: deque[Message] = deque()
        self._draining: Deferred[Any] | None = None
        self.holding = False
        self._held: bytes | None = None
        self._head_unsent = False
        """The head was given while rendering, and no body piece has followed it yet."""
        self.producer: Any = None
        self._streaming = True
        self._producer_paused = False
        self._pull_wanted = False
        self._pulling = False
        self.complete = False
        """The last message went into ``send``: the response is Albany's now."""
        self.gone = False
        self.mount: list[bytes] = []
        """The path segments of ``root_path``: the site's own path (``request.sitepath``)."""
        self.traversed: tuple[Any, ...] | None = None
        self.on_abort: Callable[[], None] | None = None

    # what Request calls: the HTTPChannel side

    def getPeer(self) -> Any:
        return address(self._scope["client"])

    def getHost(self) -> Any:
        return address(self._scope["server"])

    def isSecure(self) -> bool:
        return self._scope["scheme"] in _SECURE

    def writeHeaders(self, version: bytes, code: bytes, reason: bytes, headers: Any) -> None:
        """The response head: Albany frames the body, so the request must not chunk it."""
        self.request.chunked = 0
        raw = [
            (name, value)
            for name, values in headers.getAllRawHeaders()
            if name.lower() not in _ALBANY_OWNED
            for value in values
        ]
        status = int(code)
        start: Message = {"type": "http.response.start", "status": status, "headers": raw}
        if reason != RESPONSES.get(status):
            start["reason"] = reason.decode("latin-1")
        self._emit(start)
        if self.holding:
            self._head_unsent = True
        else:  # written after rendering: a body piece may or may not follow, so send it now
            self._send_head()

    def _send_head(self) -> None:
        """An empty body piece: the head goes out, the framing left open (chunked)."""
        self._emit({"type": "http.response.body", "body": b"", "more_body": True})

    def write(self, data: bytes) -> None:
        self._head_unsent = False
        if self.holding:
            held, self._held = self._held, data
            if held is None:
                return
            data = held
        self._emit({"type": "http.response.body", "body": data, "more_body": True})
        if self.producer is not None and not self._streaming:
            self._pull_wanted = True
            if not self._pulling and self._draining is None:
                self._pull()

    def writeSequence(self, data: Iterable[bytes]) -> None:
        self.write(b"".join(data))

    def requestDone(self, request: Any) -> None:
        self._head_unsent = False
        held, self._held = self._held, None
        self._emit({"type": "http.response.body", "body": held or b"", "more_body": False})

    def stop_holding(self) -> None:
        """The first render call returned: let a held body piece go."""
        self.holding = False
        held, self._held = self._held, None
        if held is not None:
            self.write(held)
        elif self._head_unsent:
            self._head_unsent = False
            self._send_head()

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        self.producer = producer
        self._streaming = bool(streaming)
        self._producer_paused = False
        if self.gone:
            producer.stopProducing()
        elif not streaming:
            self._pull_wanted = True
            self._pull()
        elif self._draining is not None:
            self._producer_paused = True
            producer.pauseProducing()

    def unregisterProducer(self) -> None:
        self.producer = None

    def loseConnection(self) -> None:
        """The resource closes the connection: the app ends with its response unfinished."""
        if self.on_abort is not None:
            self.on_abort()

    def _respondToBadRequestAndDisconnect(self) -> None:
        self._emit(
            {"type": "http.response.start", "status": 400, "headers": [(b"connection", b"close")]}
        )
        self._emit({"type": "http.response.body", "body": b"", "more_body": False})

    # the transport side of a request's transport attribute

    def pauseProducing(self) -> None:
        """Reading is Albany's business (it pauses while the body is not consumed)."""

    resumeProducing = pauseProducing

    def stopProducing(self) -> None:
        self.loseConnection()

    # the Albany side

    def lost(self, reason: Failure) -> None:
        """The client went away before the response was complete."""
        self.gone = True
        self._queue.clear()
        producer, self.producer = self.producer, None
        if producer is not None:
            producer.stopProducing()
        request = self.request
        if request is not None and not request.finished and not request._disconnected:
            request.connectionLost(reason)

    def _emit(self, message: Message) -> None:
        if self.gone:
            return
        if self._draining is not None or self._queue:
            self._queue.append(message)
        else:
            self._deliver(message)

    def _deliver(self, message: Message) -> None:
        try:
            waiting = self._send(message)
        except OSError:  # ClientDisconnected: the cycle's disconnect reaches the app next
            self.gone = True
            self._queue.clear()
            return
        if message.get("more_body") is False:
            self.complete = True
        if waiting is READY:
            return
        drained = (
            waiting if isinstance(waiting, Deferred) else Deferred.fromCoroutine(_await(waiting))
        )
        if drained.called:
            drained.addErrback(self._drain_failed)
            return
        self._draining = drained
        if self.producer is not None and self._streaming and not self._producer_paused:
            self._producer_paused = True
            self.producer.pauseProducing()
        drained.addCallbacks(self._drained, self._drain_failed)

    def _drained(self, _: Any) -> None:
        self._draining = None
        queue = self._queue
        while queue and self._draining is None and not self.gone:
            self._deliver(queue.popleft())
        if self._draining is not None or self.gone:
            return
        producer = self.producer
        if producer is None:
            return
        if self._streaming:
            if self._producer_paused:
                self._producer_paused = False
                producer.resumeProducing()
        else:
            self._pull()

    def _drain_failed(self, failure: Failure) -> None:
        self._draining = None
        self.gone = True
        self._queue.clear()

    def _pull(self) -> None:
        """Ask a pull producer for more while what it wrote has been taken (a trampoline)."""
        if self._pulling:
            return
        self._pulling = True
        try:
            for _ in range(_PULLS_PER_TURN):
                producer = self.producer
                if (
                    producer is None
                    or self._streaming
                    or not self._pull_wanted
                    or self._draining is not None
                    or self.gone
                ):
                    return
                self._pull_wanted = False
                producer.resumeProducing()
        finally:
            self._pulling = False
        if self._pull_wanted and self._draining is None:
            from twisted.internet import reactor

            reactor.callLater(0, self._pull)  # type: ignore[arg-type]

"""A twisted.web tree with ``twisted.web.websocket`` resources, for the WebSocket tests.

Plain twisted.web: the same tree runs on Twisted's own ``Site``. The WebSocket resources
are only there when Twisted has ``twisted.web.websocket`` (older releases lack it); the
tests skip otherwise. ``EVENTS`` records the protocols' callbacks, read back through ``/events``.

``python -m tests.adapters.twisted_web.ws_site [--reactor asyncio]`` serves ``root`` with
the drop-in ``albany_twisted_web.Site`` and ``reactor.listenTCP`` on a free port.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from twisted.internet.interfaces import IPushProducer
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET
from zope.interface import implementer

try:
    from twisted.web.websocket import ConnectionRejected, WebSocketResource
except ImportError:  # an older Twisted
    WebSocketResource = None

EVENTS: list[str] = []


def reactor() -> Any:
    from twisted.internet import reactor

    return reactor


def arg(request: Any, name: bytes, default: bytes = b"") -> str:
    return str(request.args.get(name, [default])[0].decode())


def text(values: list[bytes]) -> list[str]:
    return [v.decode("latin-1") for v in values]


class Echo:
    """Echoes messages; a few text commands exercise the transport and the request."""

    def __init__(self, request: Any) -> None:
        self.tag = arg(request, b"tag")
        self.where = {
            "prepath": text(request.prepath),
            "postpath": text(request.postpath),
            "sitepath": text(request.sitepath),
            "args": {k.decode(): text(v) for k, v in request.args.items()},
            "extensions": request.getHeader(b"sec-websocket-extensions"),
            "secure": request.isSecure(),
            "client": request.getClientAddress().host,
        }
        self.session_name = ""
        if b"session" in request.args:
            self.session_name = getattr(request.getSession(), "name", "none")
        self.pinged: set[bytes] = set()
        self.transport: Any = None

    def negotiationStarted(self, transport: Any) -> None:
        self.transport = transport
        EVENTS.append(f"started {self.tag} {type(transport).__module__}")

    def negotiationFinished(self) -> None:
        EVENTS.append(f"finished {self.tag}")

    def textMessageReceived(self, message: str) -> None:
        command, _, rest = message.partition(":")
        if command == "close":
            code, _, reason = rest.partition(":")
            self.transport.loseConnection(int(code), reason)
        elif command == "ping":
            self.pinged.add(rest.encode())
            self.transport.ping(rest.encode())
        elif command == "where":
            self.transport.sendTextMessage(json.dumps(self.where, sort_keys=True))
        elif command == "session":
            self.transport.sendTextMessage(self.session_name)
        elif command == "fail":
            raise ZeroDivisionError("protocol failed")
        else:
            self.transport.sendTextMessage(message)

    def bytesMessageReceived(self, data: bytes) -> None:
        self.transport.sendBytesMessage(data)

    def pongReceived(self, payload: bytes) -> None:
        if payload in self.pinged:  # not the server's own keepalive pongs
            self.transport.sendTextMessage("pong:" + payload.decode())

    def connectionLost(self, reason: Any) -> None:
        error = reason.value
        EVENTS.append(
            f"lost {self.tag} {type(error).__name__} {getattr(error, 'code', None)}"
            f" {getattr(error, 'reason', None)}"
        )


class EchoFactory:
    """``buildProtocol``: picks the ``chat`` subprotocol when the client offers it."""

    def buildProtocol(self, request: Any) -> Echo:
        offered = b",".join(request.requestHeaders.getRawHeaders(b"sec-websocket-protocol", []))
        if b"chat" in [p.strip() for p in offered.split(b",")]:
            request.setHeader(b"sec-websocket-protocol", b"chat")
        request.setHeader(b"x-built-by", b"EchoFactory")
        return Echo(request)


class Rejecting:
    """Rejects with a 401 and a challenge, as Twisted's client would report it."""

    def buildProtocol(self, request: Any) -> None:
        from twisted.web.client import Response
        from twisted.web.http_headers import Headers

        headers = Headers({b"www-authenticate": [b'Bearer realm="ws"']})
        raise ConnectionRejected(Response((b"HTTP", 1, 1), 401, b"Unauthorized", headers, None))


class Refusing:
    """Returns no protocol, with the status given as ``?code=`` (none: the default)."""

    def buildProtocol(self, request: Any) -> None:
        if b"code" in request.args:
            request.setResponseCode(int(arg(request, b"code")))
        return None


class Broken:
    def buildProtocol(self, request: Any) -> None:
        raise RuntimeError("factory failed")


@implementer(IPushProducer)
class MessageProducer:
    """Sends ``count`` numbered messages of ``size`` bytes whenever not paused."""

    def __init__(self, transport: Any, count: int, size: int, tag: str) -> None:
        self.transport, self.count, self.size, self.tag = transport, count, size, tag
        self.sent = 0
        self.paused = False
        self.stopped = False

    def produce(self) -> None:
        filler = b"m" * (self.size - 8)
        while not self.paused and not self.stopped and self.sent < self.count:
            self.transport.sendBytesMessage(b"%08d" % self.sent + filler)
            self.sent += 1
        if self.sent == self.count and not self.stopped:
            self.stopped = True
            self.transport.detachProducer()
            self.transport.sendTextMessage("end")
            EVENTS.append(f"done {self.tag}")

    def pauseProducing(self) -> None:
        if not self.paused:
            EVENTS.append(f"paused {self.tag} at {self.sent}")
        self.paused = True

    def resumeProducing(self) -> None:
        self.paused = False
        reactor().callLater(0, self.produce)

    def stopProducing(self) -> None:
        self.stopped = True
        EVENTS.append(f"stopped {self.tag}")


class Producing(Echo):
    def __init__(self, request: Any) -> None:
        super().__init__(request)
        self.count = int(arg(request, b"count", b"16"))
        self.size = int(arg(request, b"size", b"65536"))

    def negotiationFinished(self) -> None:
        producer = MessageProducer(self.transport, self.count, self.size, self.tag)
        self.transport.attachProducer(producer)
        reactor().callLater(0, producer.produce)


class ProducingFactory:
    def buildProtocol(self, request: Any) -> Producing:
        return Producing(request)


class Page(Resource):
    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        return b"a page"


class Index(Page):
    def render_GET(self, request: Any) -> bytes:
        return b"ws root"


class SessionName(Page):
    """``?name=N`` stores N in the session (a cookie for a new one)."""

    def render_GET(self, request: Any) -> bytes:
        session = request.getSession()
        session.name = arg(request, b"name")
        return session.name.encode()


class Deferred(Page):
    """A page rendered later (``NOT_DONE_YET``), with its own status."""

    def render_GET(self, request: Any) -> Any:
        def later() -> None:
            request.setResponseCode(409)
            request.write(b"later")
            request.finish()

        reactor().callLater(0.01, later)
        return NOT_DONE_YET


class Events(Page):
    def render_GET(self, request: Any) -> bytes:
        request.setHeader(b"content-type", b"application/json")
        return json.dumps(EVENTS).encode()


def build_root() -> Resource:
    root = Resource()
    root.putChild(b"", Index())
    root.putChild(b"page", Page())
    root.putChild(b"later", Deferred())
    root.putChild(b"session", SessionName())
    root.putChild(b"events", Events())
    if WebSocketResource is not None:
        root.putChild(b"echo", WebSocketResource(EchoFactory()))
        root.putChild(b"reject", WebSocketResource(Rejecting()))
        root.putChild(b"refuse", WebSocketResource(Refusing()))
        root.putChild(b"broken", WebSocketResource(Broken()))
        root.putChild(b"produce", WebSocketResource(ProducingFactory()))
        deeper = Resource()
        deeper.putChild(b"ws", WebSocketResource(EchoFactory()))
        nested = Resource()
        nested.putChild(b"deeper", deeper)
        root.putChild(b"nested", nested)
    return root


root = build_root()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reactor", choices=("epoll", "asyncio"), default="epoll")
    options = parser.parse_args()
    if options.reactor == "asyncio":
        import asyncio

        from twisted.internet import asyncioreactor

        asyncioreactor.install(asyncio.new_event_loop())
    else:
        from twisted.internet import epollreactor

        epollreactor.install()
    from albany_twisted_web import Site

    port = reactor().listenTCP(0, Site(root), interface="127.0.0.1")
    print(f"serving on http://127.0.0.1:{port.getHost().port}", flush=True)
    reactor().run()


if __name__ == "__main__":
    main()

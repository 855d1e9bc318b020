"""A twisted.web resource tree, as an existing Twisted site would have it.

``/ws`` is a ``twisted.web.websocket`` resource (Twisted 25.5 and later, with wsproto).
"""

from __future__ import annotations

from typing import Any

from twisted.internet import task
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET

from examples.showcase.page import framework_page
from examples.showcase.served_by import describe

WHAT = (
    "A <code>twisted.web</code> resource tree, unchanged: a <code>Resource</code>, "
    '<a href="/legacy/deferred">a render finished by a Deferred</a> and a '
    "<code>WebSocketResource</code>, mounted beside apps of other frameworks."
)


class Hello(Resource):
    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        request.setHeader(b"content-type", b"text/html; charset=utf-8")
        name = request.args.get(b"name", [b"world"])[0].decode()
        greeting = f"Hello, {name}, from a twisted.web Resource via {describe()}."
        return framework_page("twisted.web", "/legacy", WHAT, greeting, name).encode()


class Deferred(Resource):
    isLeaf = True

    def render_GET(self, request: Any) -> Any:
        from twisted.internet import reactor

        request.setHeader(b"content-type", b"text/plain; charset=utf-8")
        where = describe()

        def later() -> None:
            request.write(f"Rendered after a Deferred (callLater 0.2 s) via {where}.\n".encode())
            request.finish()

        task.deferLater(reactor, 0.2, later)
        return NOT_DONE_YET


class Echo:
    """A ``twisted.web.websocket`` protocol: each text message comes back, annotated."""

    def negotiationStarted(self, transport: Any) -> None:
        self.transport = transport

    def negotiationFinished(self) -> None:
        pass

    def textMessageReceived(self, data: str) -> None:
        self.transport.sendTextMessage(f"{data} (a twisted.web WebSocketResource via {describe()})")

    def bytesMessageReceived(self, data: bytes) -> None:
        self.transport.sendBytesMessage(data)

    def pongReceived(self, payload: bytes) -> None:
        pass

    def connectionLost(self, reason: Any) -> None:
        pass


class EchoFactory:
    """``buildProtocol(request)``: the ``WebSocketServerFactory`` protocol of twisted.web."""

    def buildProtocol(self, request: Any) -> Echo:
        return Echo()


root = Resource()
root.putChild(b"", Hello())
root.putChild(b"deferred", Deferred())
try:
    from twisted.web.websocket import WebSocketResource
except ImportError:  # Twisted before 25.5, or without wsproto: no WebSocket at /legacy/ws
    pass
else:
    root.putChild(b"ws", WebSocketResource(EchoFactory()))

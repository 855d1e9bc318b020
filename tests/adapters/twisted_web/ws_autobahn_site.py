"""A twisted.web tree holding an autobahn ``WebSocketResource``, served through ``albany_autobahn``.

Its own module: importing ``autobahn.twisted`` switches txaio to Twisted for the whole
process, which only the server process may do.
"""

from __future__ import annotations

from typing import Any

from autobahn.twisted.resource import WebSocketResource
from autobahn.twisted.websocket import WebSocketServerFactory, WebSocketServerProtocol
from twisted.web.resource import Resource


class Echo(WebSocketServerProtocol):  # type: ignore[misc]
    def onMessage(self, payload: bytes, isBinary: bool) -> None:
        self.sendMessage(payload, isBinary)


class Page(Resource):
    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        return b"autobahn tree"


def build_root() -> Resource:
    factory = WebSocketServerFactory()
    factory.protocol = Echo
    nested = Resource()
    nested.putChild(b"echo", WebSocketResource(factory))
    root = Resource()
    root.putChild(b"", Page())
    root.putChild(b"nested", nested)
    return root


root = build_root()

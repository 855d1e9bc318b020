"""A twisted.web tree: ``/x`` reports its request's path, ``prePathURL`` and ``URLPath``."""

from __future__ import annotations

import json
from typing import Any

from twisted.web.resource import Resource


class Where(Resource):
    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        return json.dumps(
            {
                "path": request.path.decode(),
                "prePathURL": request.prePathURL().decode(),
                "URLPath": str(request.URLPath().sibling(b"item").child(b"7")),
            }
        ).encode()


class Item(Resource):
    def getChild(self, name: bytes, request: Any) -> Resource:
        return Leaf(name)


class Leaf(Resource):
    isLeaf = True

    def __init__(self, name: bytes) -> None:
        super().__init__()
        self.name = name

    def render_GET(self, request: Any) -> bytes:
        return json.dumps({"item": self.name.decode()}).encode()


app = Resource()
app.putChild(b"x", Where())
app.putChild(b"item", Item())

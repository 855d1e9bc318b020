"""A Tornado application: ``/x`` reports its request's path and ``reverse_url``; ``/ws`` echoes."""

from __future__ import annotations

from tornado.web import Application, RequestHandler, url
from tornado.websocket import WebSocketHandler


class Where(RequestHandler):
    def get(self) -> None:
        self.write(
            {
                "path": self.request.path,
                "full_url": self.request.full_url(),
                "reverse_url": self.reverse_url("item", 7),
            }
        )


class Item(RequestHandler):
    def get(self, item: str) -> None:
        self.write({"item": item})


class Echo(WebSocketHandler):
    def on_message(self, message: str | bytes) -> None:
        self.write_message(f"{self.request.path} {self.reverse_url('item', 7)} {message!s}")


app = Application(
    [
        url(r"/x", Where, name="where"),
        url(r"/item/([^/]+)", Item, name="item"),
        url(r"/ws", Echo),
    ]
)

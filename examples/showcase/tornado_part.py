"""A Tornado application, unchanged: a RequestHandler, and a WebSocketHandler at ``/ws``."""

from __future__ import annotations

from tornado.web import Application, RequestHandler
from tornado.websocket import WebSocketHandler

from examples.showcase.served_by import describe


class Hello(RequestHandler):
    def get(self) -> None:
        self.set_header("content-type", "text/plain; charset=utf-8")
        self.write(f"Hello from a Tornado RequestHandler via {describe()}.\n")


class Echo(WebSocketHandler):
    def on_message(self, message: str | bytes) -> None:
        self.write_message(f"{message!s} (a Tornado WebSocketHandler via {describe()})")


application = Application([(r".*/ws", Echo), (r".*", Hello)])

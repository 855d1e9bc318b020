"""A Tornado application, unchanged: a RequestHandler, and a WebSocketHandler at ``/ws``."""

from __future__ import annotations

from tornado.web import Application, RequestHandler
from tornado.websocket import WebSocketHandler

from examples.showcase.page import framework_page
from examples.showcase.served_by import describe

WHAT = (
    "A <code>tornado.web.Application</code> with a <code>RequestHandler</code> and a "
    "<code>WebSocketHandler</code>, unchanged, mounted beside apps of other frameworks."
)


class Hello(RequestHandler):
    def get(self) -> None:
        name = self.get_query_argument("name", "world")
        greeting = f"Hello, {name}, from a Tornado RequestHandler via {describe()}."
        self.write(framework_page("Tornado", "/tornado", WHAT, greeting, name))


class Echo(WebSocketHandler):
    def on_message(self, message: str | bytes) -> None:
        self.write_message(f"{message!s} (a Tornado WebSocketHandler via {describe()})")


application = Application([(r".*/ws", Echo), (r".*", Hello)])

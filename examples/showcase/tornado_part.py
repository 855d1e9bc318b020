"""A Tornado application, unchanged."""

from __future__ import annotations

from tornado.web import Application, RequestHandler

from examples.showcase.served_by import describe


class Hello(RequestHandler):
    def get(self) -> None:
        self.set_header("content-type", "text/plain; charset=utf-8")
        self.write(f"Hello from a Tornado RequestHandler via {describe()}.\n")


application = Application([(r".*", Hello)])

"""A Tornado application: ``/x`` reports its request's path and ``reverse_url``."""

from __future__ import annotations

from tornado.web import Application, RequestHandler, url


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


app = Application([url(r"/x", Where, name="where"), url(r"/item/([^/]+)", Item, name="item")])

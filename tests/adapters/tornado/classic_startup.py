"""Tornado's classic start-up with the drop-in server, in a process of its own.

``python -m tests.adapters.tornado.classic_startup BACKEND [--uvloop]`` makes an
``albany_tornado.HTTPServer``, adds its socket before any loop runs (what ``listen()``
does), then starts ``IOLoop.current()``. Once serving, it fetches ``/`` from itself,
prints one JSON line (the body, and every log record at INFO and above from the start)
and stops. A separate process, because Twisted's reactor is installed once per process.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys

from tornado.httpclient import AsyncHTTPClient
from tornado.ioloop import IOLoop
from tornado.netutil import bind_sockets
from tornado.web import Application, RequestHandler

from albany_tornado import HTTPServer


class Hello(RequestHandler):
    def get(self) -> None:
        self.write("hello")


class Recorded(logging.Handler):
    """Keeps every record's logger name and message."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name}: {record.getMessage()}")


def main(backend: str, use_uvloop: bool) -> None:
    recorded = Recorded()
    logging.getLogger().addHandler(recorded)
    logging.getLogger().setLevel(logging.INFO)
    logging.getLogger("tornado.access").setLevel(logging.WARNING)
    if use_uvloop:
        import uvloop

        asyncio.set_event_loop(uvloop.new_event_loop())
    else:
        asyncio.set_event_loop(asyncio.new_event_loop())
    server = HTTPServer(Application([(r"/", Hello)]), backend=backend)  # type: ignore[arg-type]
    sockets = bind_sockets(0, "127.0.0.1")
    server.add_sockets(sockets)  # no loop is running yet
    url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}/"
    result: dict[str, object] = {}

    async def fetch_and_stop() -> None:
        try:
            response = await AsyncHTTPClient().fetch(url)
            result["body"] = response.body.decode()
        finally:
            server.stop()
            await server.close_all_connections()
            result["logs"] = recorded.lines
            IOLoop.current().stop()

    IOLoop.current().add_callback(fetch_and_stop)
    IOLoop.current().start()
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1], "--uvloop" in sys.argv[2:])

"""Tornado's own ``HTTPServer`` with a ``RequestHandler`` writing the body.

``python -m benchmarks.apps.tornado_web --port N``; stops on SIGTERM. The access log is
off (``log_function`` does nothing); Tornado's defaults (``Server``, ``Date`` and ``Etag``
headers) are kept, as a Tornado app gets them.
"""

from __future__ import annotations

import asyncio
import signal

from tornado.httpserver import HTTPServer
from tornado.web import Application, RequestHandler

from benchmarks.apps import BODY, CONTENT_TYPE, parse_address


class Hello(RequestHandler):
    """``GET``: the hello body as text/plain."""

    def get(self) -> None:
        self.set_header("Content-Type", CONTENT_TYPE.decode())
        self.write(BODY)


def no_access_log(handler: RequestHandler) -> None:
    """Tornado's ``log_function``: log nothing."""


async def serve(host: str, port: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    server = HTTPServer(Application([(r"/.*", Hello)], log_function=no_access_log))
    server.listen(port, address=host)
    await stop.wait()
    server.stop()


def main() -> None:
    asyncio.run(serve(*parse_address(__doc__ or "")))


if __name__ == "__main__":
    main()

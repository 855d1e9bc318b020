"""Tornado's own ``HTTPServer`` serving the test application: the differential tests' reference.

``python -m tests.adapters.tornado.reference_server [--dropin BACKEND]`` listens on a free
port of 127.0.0.1, prints ``serving on http://127.0.0.1:PORT`` and stops on SIGTERM.
With ``--dropin`` the same start-up script uses ``albany_tornado.HTTPServer`` instead
(the one-import change), on the named Albany backend; ``--uvloop`` runs it on uvloop.
"""

from __future__ import annotations

import argparse
import asyncio
import signal

from tornado.netutil import bind_sockets

from tests.adapters.tornado.webapp import SERVER_OPTIONS, application


async def serve(dropin: str | None) -> None:
    if dropin is None:
        from tornado.httpserver import HTTPServer

        server = HTTPServer(application, **SERVER_OPTIONS)
    else:
        from albany_tornado import HTTPServer as AlbanyHTTPServer

        server = AlbanyHTTPServer(application, **SERVER_OPTIONS, backend=dropin)
    sockets = bind_sockets(0, "127.0.0.1")
    server.add_sockets(sockets)
    port = sockets[0].getsockname()[1]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    print(f"serving on http://127.0.0.1:{port}", flush=True)
    await stop.wait()
    server.stop()
    await server.close_all_connections()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dropin", choices=("asyncio", "tornado", "twisted"), default=None)
    parser.add_argument("--uvloop", action="store_true")
    args = parser.parse_args()
    if args.uvloop:
        import uvloop

        uvloop.run(serve(args.dropin))
    else:
        asyncio.run(serve(args.dropin))


if __name__ == "__main__":
    main()

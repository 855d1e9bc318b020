"""Tornado's own ``HTTPServer`` serving the test application: the differential tests' reference.

``python -m tests.adapters.tornado.reference_server [--dropin BACKEND]`` listens on a free
port of 127.0.0.1, prints ``serving on http://127.0.0.1:PORT`` and stops on SIGTERM.
With ``--dropin`` the same start-up script uses ``albany_tornado.HTTPServer`` instead
(the one-import change), on the named Albany backend; ``--uvloop`` runs it on uvloop.
``--tls dict|context CERTFILE KEYFILE`` serves TLS, with ``ssl_options`` in that form.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import ssl
from typing import Any

from tornado.netutil import bind_sockets

from tests.adapters.tornado.webapp import SERVER_OPTIONS, application


def ssl_options(tls: list[str] | None) -> Any:
    """``--tls FORM CERTFILE KEYFILE``: Tornado's ``ssl_options`` as a dict or a context."""
    if tls is None:
        return None
    form, certfile, keyfile = tls
    if form == "dict":
        return {"certfile": certfile, "keyfile": keyfile}
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certfile, keyfile)
    return context


async def serve(dropin: str | None, tls: list[str] | None) -> None:
    options = dict(SERVER_OPTIONS, ssl_options=ssl_options(tls))
    if dropin is None:
        from tornado.httpserver import HTTPServer

        server = HTTPServer(application, **options)
    else:
        from albany_tornado import HTTPServer as AlbanyHTTPServer

        server = AlbanyHTTPServer(application, **options, backend=dropin)
    sockets = bind_sockets(0, "127.0.0.1")
    server.add_sockets(sockets)
    port = sockets[0].getsockname()[1]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    scheme = "https" if tls else "http"
    print(f"serving on {scheme}://127.0.0.1:{port}", flush=True)
    await stop.wait()
    server.stop()
    await server.close_all_connections()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dropin", choices=("asyncio", "tornado", "twisted"), default=None)
    parser.add_argument("--uvloop", action="store_true")
    parser.add_argument("--tls", nargs=3, metavar=("FORM", "CERTFILE", "KEYFILE"))
    args = parser.parse_args()
    if args.uvloop:
        import uvloop

        uvloop.run(serve(args.dropin, args.tls))
    else:
        asyncio.run(serve(args.dropin, args.tls))


if __name__ == "__main__":
    main()

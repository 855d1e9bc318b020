"""One aiohttp hello-world, for aiohttp's own server and for Albany's aiohttp adapter.

``make_app()`` is the application both serve: ``albany benchmarks.apps.aiohttp_hello:make_app
--factory --loop uvloop``, or ``python -m benchmarks.apps.aiohttp_hello --port N [--uvloop]``
for ``web.run_app`` (access log off; ``--uvloop`` runs it on a uvloop loop).
"""

from __future__ import annotations

import argparse
import asyncio

from aiohttp import web

from benchmarks.apps import BODY, CONTENT_TYPE


async def hello(request: web.Request) -> web.Response:
    """Any ``GET``: the hello body as text/plain."""
    return web.Response(body=BODY, content_type=CONTENT_TYPE.decode())


def make_app() -> web.Application:
    app = web.Application()
    app.router.add_get("/{tail:.*}", hello)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--uvloop", action="store_true")
    args = parser.parse_args()
    loop = None
    if args.uvloop:
        import uvloop

        loop = uvloop.new_event_loop()
    else:
        loop = asyncio.new_event_loop()
    web.run_app(make_app(), host=args.host, port=args.port, access_log=None, print=None, loop=loop)


if __name__ == "__main__":
    main()

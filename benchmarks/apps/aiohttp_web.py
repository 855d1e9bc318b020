"""aiohttp's own server: ``web.run_app`` with the access log off.

``python -m benchmarks.apps.aiohttp_web --port N``; stops on SIGTERM (``run_app``'s handler).
"""

from __future__ import annotations

from aiohttp import web

from benchmarks.apps import BODY, CONTENT_TYPE, parse_address


async def hello(request: web.Request) -> web.Response:
    """``GET``: the hello body as text/plain."""
    return web.Response(body=BODY, content_type=CONTENT_TYPE.decode())


def main() -> None:
    host, port = parse_address(__doc__ or "")
    app = web.Application()
    app.router.add_get("/{tail:.*}", hello)
    web.run_app(app, host=host, port=port, access_log=None, print=None)


if __name__ == "__main__":
    main()

"""An aiohttp application, unchanged."""

from __future__ import annotations

from aiohttp import web

from examples.showcase.served_by import describe


async def hello(request: web.Request) -> web.Response:
    return web.Response(text=f"Hello from an aiohttp handler via {describe()}.\n")


application = web.Application()
application.router.add_get("/{tail:.*}", hello)

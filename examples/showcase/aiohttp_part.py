"""An aiohttp application, unchanged: a handler, and a ``WebSocketResponse`` at ``/ws``."""

from __future__ import annotations

from aiohttp import WSMsgType, web

from examples.showcase.page import framework_page
from examples.showcase.served_by import describe

WHAT = (
    "An <code>aiohttp.web.Application</code> with a handler and a "
    "<code>WebSocketResponse</code>, unchanged, mounted beside apps of other frameworks."
)


async def hello(request: web.Request) -> web.Response:
    name = request.query.get("name", "world")
    greeting = f"Hello, {name}, from an aiohttp handler via {describe()}."
    page = framework_page("aiohttp", "/aiohttp", WHAT, greeting, name)
    return web.Response(text=page, content_type="text/html")


async def echo(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    async for message in ws:
        if message.type is WSMsgType.TEXT:
            await ws.send_str(f"{message.data} (an aiohttp WebSocketResponse via {describe()})")
    return ws


application = web.Application()
application.router.add_get("/ws", echo)
application.router.add_get("/{tail:.*}", hello)

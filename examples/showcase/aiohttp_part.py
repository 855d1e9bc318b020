"""An aiohttp application, unchanged: a handler, and a ``WebSocketResponse`` at ``/ws``."""

from __future__ import annotations

from aiohttp import WSMsgType, web

from examples.showcase.served_by import describe


async def hello(request: web.Request) -> web.Response:
    return web.Response(text=f"Hello from an aiohttp handler via {describe()}.\n")


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

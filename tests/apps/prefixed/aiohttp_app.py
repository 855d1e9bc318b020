"""An aiohttp application: ``/x`` reports its path, URL and ``url_for``; ``/ws`` echoes."""

from __future__ import annotations

from aiohttp import web


async def where(request: web.Request) -> web.Response:
    item = request.app.router["item"]
    return web.json_response(
        {
            "path": request.path,
            "url": str(request.url),
            "url_for": str(item.url_for(item="7")),
        }
    )


async def item(request: web.Request) -> web.Response:
    return web.json_response({"item": request.match_info["item"]})


async def echo(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    async for message in ws:
        await ws.send_str(
            f"{request.path} {request.app.router['item'].url_for(item='7')} {message.data}"
        )
    return ws


app = web.Application()
app.router.add_get("/x", where, name="where")
app.router.add_get("/item/{item}", item, name="item")
app.router.add_get("/ws", echo)

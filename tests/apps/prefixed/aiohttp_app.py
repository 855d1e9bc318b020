"""An aiohttp application: ``/x`` reports its request's path, URL and ``url_for``."""

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


app = web.Application()
app.router.add_get("/x", where, name="where")
app.router.add_get("/item/{item}", item, name="item")

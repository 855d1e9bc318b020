"""An aiohttp application for how Albany hands requests to aiohttp (bodies, start-up, upgrades).

``make_app`` stores state from ``on_startup`` with warnings as errors (a frozen app
would fail start-up), and is served with ``handler_cancellation`` on;
``make_tuned_app`` sets ``handler_args`` (``read_bufsize``, ``auto_decompress``).
"""

from __future__ import annotations

import asyncio
import gc
import warnings

from aiohttp import web

STARTUP_NOTE = web.AppKey("startup_note", str)
EVENTS: list[str] = []


async def store_on_startup(app: web.Application) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        app[STARTUP_NOTE] = "stored during start-up"


async def startup_note(request: web.Request) -> web.Response:
    return web.Response(text=request.app[STARTUP_NOTE])


async def echo(request: web.Request) -> web.Response:
    return web.Response(body=await request.read())


async def decoded(request: web.Request) -> web.Response:
    """The body as aiohttp delivers it; 400 when it does not decode (the app's choice)."""
    try:
        body = await request.read()
    except web.RequestPayloadError as error:
        raise web.HTTPBadRequest(text=f"bad body: {type(error.__cause__).__name__}") from error
    return web.Response(body=body)


async def buffer_limits(request: web.Request) -> web.Response:
    low, high = request.content.get_read_buffer_limits()
    body = await request.read()
    return web.json_response({"limits": [low, high], "length": len(body)})


async def prepared_then_wait(request: web.Request) -> web.StreamResponse:
    """Send the head, then wait without writing until cancelled (the client leaves)."""
    response = web.StreamResponse()
    await response.prepare(request)
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        EVENTS.append("cancelled after prepare")
        raise
    return response


async def events(request: web.Request) -> web.Response:
    gc.collect()  # a coroutine never awaited warns when it is collected
    return web.json_response(EVENTS)


async def websocket(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    await ws.send_str("hello")
    await ws.close()
    return ws


def _routes(app: web.Application) -> web.Application:
    app.router.add_get("/startup-note", startup_note)
    app.router.add_post("/echo", echo)
    app.router.add_post("/decoded", decoded)
    app.router.add_post("/limits", buffer_limits)
    app.router.add_get("/prepared-then-wait", prepared_then_wait)
    app.router.add_get("/events", events)
    app.router.add_get("/ws", websocket)
    return app


def make_app() -> web.Application:
    app = web.Application(client_max_size=2**22, handler_args={"handler_cancellation": True})
    app.on_startup.append(store_on_startup)
    return _routes(app)


def make_tuned_app() -> web.Application:
    return _routes(web.Application(handler_args={"read_bufsize": 2, "auto_decompress": False}))

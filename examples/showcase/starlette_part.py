"""A Starlette (ASGI) application, unchanged: an endpoint, and a websocket route at ``/ws``."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from examples.showcase.page import framework_page
from examples.showcase.served_by import describe

WHAT = (
    "A Starlette application (ASGI) with an endpoint and a websocket route, unchanged, "
    "mounted beside apps of other frameworks."
)


async def hello(request: Request) -> HTMLResponse:
    name = request.query_params.get("name", "world")
    greeting = f"Hello, {name}, from a Starlette endpoint via {describe()}."
    return HTMLResponse(framework_page("Starlette", "/starlette", WHAT, greeting, name))


async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    try:
        while True:
            text = await websocket.receive_text()
            await websocket.send_text(f"{text} (a Starlette websocket route via {describe()})")
    except WebSocketDisconnect:
        pass


application = Starlette(routes=[Route("/", hello), WebSocketRoute("/ws", echo)])

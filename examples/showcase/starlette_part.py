"""A Starlette (ASGI) application, unchanged: an endpoint, and a websocket route at ``/ws``."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from examples.showcase.served_by import describe


async def hello(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"Hello from a Starlette endpoint via {describe()}.\n")


async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    try:
        while True:
            text = await websocket.receive_text()
            await websocket.send_text(f"{text} (a Starlette websocket route via {describe()})")
    except WebSocketDisconnect:
        pass


application = Starlette(routes=[Route("/", hello), WebSocketRoute("/ws", echo)])

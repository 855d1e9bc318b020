"""Starlette and FastAPI websocket routes beside their HTTP routes, as users write them,
and a Mount that puts Albany's echo and the Starlette app side by side."""

from __future__ import annotations

import json

from fastapi import FastAPI
from fastapi import WebSocket as FastAPIWebSocket
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

import albany
from tests.websocket.apps import EVENTS, echo


async def starlette_echo(websocket: WebSocket) -> None:
    await websocket.accept(
        subprotocol="chat" if "chat" in websocket.scope["subprotocols"] else None
    )
    try:
        while True:
            text = await websocket.receive_text()
            await websocket.send_text(f"starlette {websocket.path_params['name']}: {text}")
    except WebSocketDisconnect as disconnect:
        EVENTS.append(f"starlette disconnect {disconnect.code}")


async def starlette_json(websocket: WebSocket) -> None:
    await websocket.accept()
    data = await websocket.receive_json()
    await websocket.send_json(
        {"got": data, "backend": websocket.scope["extensions"]["albany"]["backend"]}
    )
    await websocket.close(code=4001, reason="done")


async def starlette_home(request: Request) -> PlainTextResponse:
    if request.url.path == "/events":
        return PlainTextResponse(json.dumps(EVENTS))
    return PlainTextResponse(f"starlette http {request.url.path}")


starlette_app = Starlette(
    routes=[
        Route("/", starlette_home),
        Route("/events", starlette_home),
        WebSocketRoute("/ws/{name}", starlette_echo),
        WebSocketRoute("/json", starlette_json),
    ]
)

fastapi_app = FastAPI()


@fastapi_app.get("/items/{item}")
async def read_item(item: str) -> dict[str, str]:
    return {"item": item}


@fastapi_app.websocket("/items/{item}/live")
async def item_live(websocket: FastAPIWebSocket, item: str, token: str = "") -> None:
    if token != "secret":
        await websocket.close(code=1008)
        return
    await websocket.accept()
    async for data in websocket.iter_bytes():
        await websocket.send_bytes(item.encode() + b":" + data)


mounted = albany.Mount({"/echo": echo, "/star": starlette_app})
"""Two apps by prefix: WebSocket routing goes through the same endpoints as HTTP."""

"""Starlette and FastAPI websocket routes, beside their HTTP routes, on every loop."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from albany.testing import LiveServer
from tests.websocket.conftest import ws_url

websockets = pytest.importorskip("websockets")
pytest.importorskip("starlette")


def test_starlette_websocket_routes(server_pool: object, loop: str) -> None:
    from websockets.asyncio.client import connect

    server: LiveServer = server_pool.get("tests.websocket.framework_apps:starlette_app", loop)  # type: ignore[attr-defined]

    async def talk() -> None:
        async with connect(ws_url(server, "/ws/ann"), subprotocols=["chat"]) as ws:  # type: ignore[list-item]
            assert ws.subprotocol == "chat"
            await ws.send("hi")
            assert await ws.recv() == "starlette ann: hi"
        async with connect(ws_url(server, "/json")) as ws:
            await ws.send('{"a": 1}')
            answer = await ws.recv()
            assert json.loads(answer) == {
                "got": {"a": 1},
                "backend": {"twisted-asyncio": "twisted"}.get(loop, loop),
            }
            with pytest.raises(websockets.ConnectionClosed):
                await ws.recv()
            assert (ws.close_code, ws.close_reason) == (4001, "done")
        with pytest.raises(websockets.InvalidStatus) as raised:  # no such websocket route
            async with connect(ws_url(server, "/missing")):
                pass
        assert raised.value.response.status_code == 403

    asyncio.run(talk())
    assert httpx.get(server.url + "/").text == "starlette http /"


def test_fastapi_websocket_route(server_pool: object, loop: str) -> None:
    from websockets.asyncio.client import connect

    server: LiveServer = server_pool.get("tests.websocket.framework_apps:fastapi_app", loop)  # type: ignore[attr-defined]

    async def talk() -> None:
        async with connect(ws_url(server, "/items/box/live?token=secret")) as ws:
            await ws.send(b"ping")
            assert await ws.recv() == b"box:ping"
        with pytest.raises(websockets.InvalidStatus) as raised:
            async with connect(ws_url(server, "/items/box/live")):
                pass
        assert raised.value.response.status_code == 403

    asyncio.run(talk())
    assert httpx.get(server.url + "/items/box").json() == {"item": "box"}

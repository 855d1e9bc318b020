"""The showcase ``scripts/demo`` serves: every part over HTTP and WebSocket, on every loop."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from albany.testing import LiveServer
from tests.conftest import ServerPool

for name in ("twisted", "tornado", "aiohttp", "flask", "starlette", "websockets"):
    pytest.importorskip(name)

PAGES = {
    "/": "One port, six kinds of app",
    "/legacy/": "from a twisted.web Resource via Albany's",
    "/legacy/deferred": "Rendered after a Deferred",
    "/tornado/": "from a Tornado RequestHandler via Albany's",
    "/aiohttp/": "from an aiohttp handler via Albany's",
    "/flask/": "from a Flask view via Albany's",
    "/starlette/": "from a Starlette endpoint via Albany's",
    "/hello": "Hello from Albany on",
    "/websocket": "WebSocket on one port",
}
ECHOES = {
    "/ws": "(Albany's neutral app on ",
    "/legacy/ws": "(a twisted.web WebSocketResource via Albany's",
    "/tornado/ws": "(a Tornado WebSocketHandler via Albany's",
    "/aiohttp/ws": "(an aiohttp WebSocketResponse via Albany's",
    "/starlette/ws": "(a Starlette websocket route via Albany's",
}


@pytest.fixture
def showcase(server_pool: ServerPool, loop: str) -> LiveServer:
    return server_pool.get("examples.showcase:app", loop)


def test_every_page(showcase: LiveServer) -> None:
    for path, text in PAGES.items():
        response = httpx.get(showcase.url + path, timeout=10)
        assert response.status_code == 200, path
        assert text in response.text, (path, response.text)


def test_every_websocket_endpoint(showcase: LiveServer) -> None:
    from websockets.asyncio.client import connect

    async def talk(path: str) -> str:
        async with connect(f"ws://{showcase.host}:{showcase.port}{path}") as ws:
            await ws.send("hello")
            answer = await asyncio.wait_for(ws.recv(), 10)
            assert isinstance(answer, str)
            return answer

    for path, text in ECHOES.items():
        answer = asyncio.run(talk(path))
        assert answer.startswith("hello " + text), (path, answer)

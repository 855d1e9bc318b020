"""``websocket_ping_interval``/``_timeout`` on every loop, and a server without Albany's extensions.

The bare apps (``ws_app.bare_*``) hide ``websocket.http.response`` and
``albany.websocket.ping`` from the Tornado adapter, as an ASGI server without them would.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from albany.testing import LiveServer
from tests.adapters.tornado.test_websocket import WAIT, closed, recv, url

websockets = pytest.importorskip("websockets")


def test_heartbeat_pongs_reach_on_pong(server_pool: Any, loop: str) -> None:
    from websockets.asyncio.client import connect

    server: LiveServer = server_pool.get("tests.adapters.tornado.ws_app:keepalive_app", loop)

    async def talk() -> None:
        # the client answers the handler's keepalive pings by itself
        async with connect(url(server, "/ws/heartbeat"), ping_interval=None) as ws:
            assert await recv(ws) == "two pongs"
            await ws.send("still open")
            assert await recv(ws) == "still open"

    asyncio.run(talk())


def test_heartbeat_closes_a_client_that_does_not_pong(server_pool: Any, loop: str) -> None:
    aiohttp = pytest.importorskip("aiohttp")
    server: LiveServer = server_pool.get("tests.adapters.tornado.ws_app:keepalive_app", loop)

    async def talk() -> None:
        timeout = aiohttp.ClientTimeout(total=WAIT)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.ws_connect(
                url(server, "/ws/heartbeat"), autoping=False, heartbeat=None
            ) as ws:
                kinds = []
                while True:
                    message = await ws.receive(timeout=WAIT)
                    kinds.append(message.type)
                    if message.type is not aiohttp.WSMsgType.PING:
                        break
                assert kinds[0] is aiohttp.WSMsgType.PING  # seen, never answered
                assert message.type is aiohttp.WSMsgType.CLOSE
                assert (message.data, message.extra) == (1000, "ping timed out")

    asyncio.run(talk())


def test_without_the_extensions_denial_is_a_close_and_pings_are_unavailable(
    server_pool: Any, loop: str
) -> None:
    from websockets.asyncio.client import connect

    server: LiveServer = server_pool.get("tests.adapters.tornado.ws_app:bare_app", loop)

    async def talk() -> None:
        for path, origin in (("/ws/guarded", "http://evil.example"), ("/ws/refuse/401", None)):
            with pytest.raises(websockets.InvalidStatus) as raised:
                async with connect(url(server, path), origin=origin):  # type: ignore[arg-type]
                    pass
            # websocket.close before accepting: Albany's 403, whatever the handler said
            assert raised.value.response.status_code == 403
        async with connect(url(server, "/ws/commands/bare")) as ws:
            await ws.send("ping data")
            answer = await recv(ws)
            assert answer.startswith("no ping: ping() needs the albany.websocket.ping")
            await ws.send("echo")
            assert await recv(ws) == "echo"
            await ws.send("close 4005 done")
            assert await closed(ws) == (4005, "done")

    asyncio.run(talk())


def test_without_the_ping_extension_the_heartbeat_is_off(server_pool: Any, loop: str) -> None:
    from websockets.asyncio.client import connect

    server: LiveServer = server_pool.get("tests.adapters.tornado.ws_app:bare_keepalive_app", loop)

    async def talk() -> None:
        async with connect(url(server, "/ws/heartbeat"), ping_interval=None) as ws:
            # several ping intervals and timeouts pass: no pong can be seen, none is needed
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(ws.recv(), 1.5)
            await ws.send("healthy")
            assert await recv(ws) == "healthy"

    asyncio.run(talk())
    deadline = time.monotonic() + WAIT  # the server's output is read by another thread
    while "websocket_ping_interval is not applied" not in server.output():
        assert time.monotonic() < deadline, server.output()
        time.sleep(0.05)

"""``twisted.web.websocket`` resources through Albany with aiohttp's client, on every loop."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from albany.testing import LiveServer
from tests.adapters.twisted_web.test_differential import wait_for
from tests.adapters.twisted_web.test_websocket import WS_SITE, tagged, url

aiohttp = pytest.importorskip("aiohttp")


@pytest.fixture
def ws_site(server_pool: Any, loop: str) -> LiveServer:
    server: LiveServer = server_pool.get(WS_SITE, loop)
    return server


def run(test: Any) -> Any:
    async def with_session() -> Any:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            return await test(session)

    return asyncio.run(asyncio.wait_for(with_session(), 30))


def test_echo_subprotocol_and_empty_messages(ws_site: LiveServer) -> None:
    async def talk(session: Any) -> None:
        async with session.ws_connect(url(ws_site, "/echo"), protocols=("v2", "chat")) as ws:
            assert ws.protocol == "chat"
            for message in ("text", "", "ü" * 5000):
                await ws.send_str(message)
                assert await ws.receive_str() == message
            for data in (b"\x00\x01", b"", bytes(range(256)) * 1000):
                await ws.send_bytes(data)
                assert await ws.receive_bytes() == data
        async with session.ws_connect(url(ws_site, "/nested/deeper/ws")) as ws:
            assert ws.protocol is None
            await ws.send_str("where")
            assert json.loads(await ws.receive_str())["prepath"] == ["nested", "deeper", "ws"]

    run(talk)


def test_denials(ws_site: LiveServer) -> None:
    async def status(session: Any, path: str) -> tuple[int, Any]:
        with pytest.raises(aiohttp.WSServerHandshakeError) as raised:
            async with session.ws_connect(url(ws_site, path)):
                pass
        return raised.value.status, raised.value.headers

    async def talk(session: Any) -> None:
        code, headers = await status(session, "/reject")
        assert code == 401
        assert headers["www-authenticate"] == 'Bearer realm="ws"'
        assert (await status(session, "/refuse"))[0] == 403
        assert (await status(session, "/broken"))[0] == 500
        assert (await status(session, "/missing"))[0] == 404

    run(talk)


def test_closes_both_ways_and_ping(ws_site: LiveServer) -> None:
    by_server, by_client = tagged("aio-server-close"), tagged("aio-client-close")

    async def talk(session: Any) -> None:
        async with session.ws_connect(url(ws_site, f"/echo?tag={by_server}")) as ws:
            await ws.send_str("ping:aio")  # aiohttp answers the ping itself
            assert await ws.receive_str() == "pong:aio"
            await ws.send_str("close:4005:server bye")
            message = await ws.receive()
            assert message.type == aiohttp.WSMsgType.CLOSE
            assert (message.data, message.extra) == (4005, "server bye")
        async with session.ws_connect(url(ws_site, f"/echo?tag={by_client}")) as ws:
            await ws.send_bytes(b"x")
            assert await ws.receive_bytes() == b"x"
            await ws.close(code=4003, message=b"aio bye")

    run(talk)
    # connectionLost has the code the client answered with: aiohttp's is always 1000
    assert wait_for(ws_site, f"lost {by_server}") == f"lost {by_server} WebSocketClosed 1000 "
    assert (
        wait_for(ws_site, f"lost {by_client}") == f"lost {by_client} WebSocketClosed 4003 aio bye"
    )

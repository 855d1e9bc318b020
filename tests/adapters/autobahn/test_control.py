"""Pings and pongs of autobahn protocols, through the albany.websocket.ping extension."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from albany.testing import LiveServer
from tests.adapters.autobahn.conftest import events, wait_for_event, ws_url

aiohttp = pytest.importorskip("aiohttp")
pytest.importorskip("websockets")
from websockets.asyncio.client import connect  # noqa: E402


def test_on_ping_and_one_pong_per_ping(factories: LiveServer) -> None:
    """onPing sees the client's ping; autobahn's own answer to it is not sent twice."""
    path = "/echo/" + uuid.uuid4().hex[:8]

    async def talk() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(ws_url(factories, path), autoping=False) as ws:
                await ws.ping(b"are you there")
                message = await ws.receive(timeout=10)
                assert (message.type, message.data) == (aiohttp.WSMsgType.PONG, b"are you there")
                await ws.send_str("next")
                message = await ws.receive(timeout=10)  # not a second pong
                assert (message.type, message.data) == (aiohttp.WSMsgType.TEXT, "next")
        assert ["ping", path, "are you there"] in await events(factories)

    asyncio.run(talk())


def test_send_ping_send_pong_and_on_pong(factories: LiveServer) -> None:
    path = "/echo/" + uuid.uuid4().hex[:8]

    async def talk() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(ws_url(factories, path), autoping=False) as ws:
                await ws.send_str("ping:knock")
                message = await ws.receive(timeout=10)
                assert (message.type, message.data) == (aiohttp.WSMsgType.PING, b"knock")
                await ws.pong(b"knock")
                message = await ws.receive(timeout=10)  # onPong answers with a message
                assert (message.type, message.data) == (aiohttp.WSMsgType.BINARY, b"pong:knock")
                await ws.send_str("pong:unsolicited")
                message = await ws.receive(timeout=10)
                assert (message.type, message.data) == (aiohttp.WSMsgType.PONG, b"unsolicited")
        assert ["pong", path, b"knock".hex()] in await events(factories)

    asyncio.run(talk())


def test_auto_ping_of_the_factory(factories: LiveServer) -> None:
    """``autoPingInterval``: pings from the protocol, answered by the client, ``onAutoPong``."""
    path = "/auto/" + uuid.uuid4().hex[:8]

    async def talk() -> None:
        async with connect(ws_url(factories, path)) as ws:  # websockets answers pings
            second = await wait_for_event(
                factories, lambda e: e[:2] == ["autopong", path] and e[2] == 2
            )
            assert second == ["autopong", path, 2]
            await ws.send("still here")
            assert await asyncio.wait_for(ws.recv(), 10) == "still here"

    asyncio.run(talk())

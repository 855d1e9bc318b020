"""autobahn protocols through Albany on every loop: handshake, messages, closing, limits."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import pytest

from albany.testing import LiveServer
from tests.adapters.autobahn.conftest import wait_for_event, ws_url

websockets = pytest.importorskip("websockets")
from websockets.asyncio.client import connect  # noqa: E402

OPEN = 3


def tag(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


async def answer(ws: object, message: str | bytes) -> str | bytes:
    await ws.send(message)  # type: ignore[attr-defined]
    received: str | bytes = await asyncio.wait_for(ws.recv(), 10)  # type: ignore[attr-defined]
    return received


def test_echo_text_binary_and_empty(factories: LiveServer, flavour: str) -> None:
    path = "/echo/" + tag("echo")

    async def talk() -> None:
        async with connect(ws_url(factories, path + "?a=1&a=2")) as ws:
            for message in ("text", b"\x00\x01bytes", "", b"", "é" * 5000, bytes(range(256)) * 300):
                assert await answer(ws, message) == message
            info = json.loads(await answer(ws, "info"))
        assert info["flavour"] == flavour
        assert info["path"] == path and info["uri"] == path + "?a=1&a=2"
        assert info["params"] == {"a": ["1", "2"]}
        assert info["host"] == "127.0.0.1"
        assert info["peer"].startswith("tcp4:127.0.0.1:")
        assert "sec-websocket-extensions" not in info["headers"]  # Albany negotiates it
        assert info["subprotocol"] is None and info["version"] == 13
        assert info["state"] == OPEN and info["secure"] is False
        assert info["is_closed"] == ("Deferred" if flavour == "twisted" else "Future")
        assert "127.0.0.1" in info["transport_peer"]

    asyncio.run(talk())


def test_on_open_sends_and_a_coroutine_from_on_message_runs(factories: LiveServer) -> None:
    async def talk() -> None:
        async with connect(ws_url(factories, "/echo/greet")) as ws:
            assert await asyncio.wait_for(ws.recv(), 10) == "hello from onOpen"
            assert await answer(ws, "async:soon") == "later: soon"

    asyncio.run(talk())


@pytest.mark.parametrize("slow", [False, True], ids=["value", "awaitable"])
def test_on_connect_chooses_subprotocol_and_headers(factories: LiveServer, slow: bool) -> None:
    query = "?slow=1" if slow else ""

    async def talk() -> None:
        url = ws_url(factories, "/echo/" + tag("chat") + query)
        async with connect(url, subprotocols=["other", "chat"]) as ws:  # type: ignore[list-item]
            assert ws.subprotocol == "chat"
            assert ws.response is not None
            assert ws.response.headers["x-autobahn"] == "yes"
            assert ws.response.headers.get_all("x-multi") == ["a", "b"]
            assert json.loads(await answer(ws, "info"))["subprotocol"] == "chat"
        async with connect(ws_url(factories, "/limited/" + tag("hdr"))) as ws:
            assert ws.response is not None
            assert ws.response.headers["x-factory"] == "yes"  # the factory's own headers

    asyncio.run(talk())


def test_connection_deny_is_the_status_the_client_sees(factories: LiveServer) -> None:
    path = "/echo/" + tag("deny")

    async def talk() -> None:
        with pytest.raises(websockets.InvalidStatus) as raised:
            async with connect(ws_url(factories, path + "?deny=401")):
                pass
        assert raised.value.response.status_code == 401
        assert raised.value.response.body == b"go away"
        # autobahn calls onClose for a denied connection too
        closed = await wait_for_event(factories, lambda e: e[:2] == ["close", path])
        assert closed[2:4] == [False, 1006]

    asyncio.run(talk())


def test_send_close_with_code_and_reason(factories: LiveServer) -> None:
    path = "/echo/" + tag("server-close")

    async def talk() -> None:
        async with connect(ws_url(factories, path)) as ws:
            await ws.send("close:4001:done here")
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 10)
            assert (ws.close_code, ws.close_reason) == (4001, "done here")
        # the client answered with the same code: a clean close, as autobahn reports it
        closed = await wait_for_event(factories, lambda e: e[:2] == ["close", path])
        assert closed[2:] == [True, 4001, "done here"]

    asyncio.run(talk())


def test_client_close_reaches_on_close(factories: LiveServer) -> None:
    path = "/echo/" + tag("client-close")

    async def talk() -> None:
        async with connect(ws_url(factories, path)) as ws:
            assert await answer(ws, "hi") == "hi"
            await ws.close(4002, "bye now")
        closed = await wait_for_event(factories, lambda e: e[:2] == ["close", path])
        assert closed[2:] == [True, 4002, "bye now"]

    asyncio.run(talk())


def test_connection_lost_is_an_unclean_close(factories: LiveServer) -> None:
    path = "/echo/" + tag("lost")

    async def talk() -> None:
        ws = await connect(ws_url(factories, path))
        assert await answer(ws, "hi") == "hi"
        ws.transport.abort()  # no close frame
        closed = await wait_for_event(factories, lambda e: e[:2] == ["close", path])
        assert closed[2:4] == [False, 1006]
        assert "uncleanly" in closed[4]

    asyncio.run(talk())


def test_drop_connection_closes_going_away(factories: LiveServer) -> None:
    async def talk() -> None:
        async with connect(ws_url(factories, "/echo/" + tag("drop"))) as ws:
            await ws.send("drop")
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 10)
            assert ws.close_code == 1001

    asyncio.run(talk())


def test_exception_in_on_message_closes_1011(factories: LiveServer) -> None:
    path = "/echo/" + tag("raise")

    async def talk() -> None:
        async with connect(ws_url(factories, path)) as ws:
            await ws.send("raise")
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 10)
            assert ws.close_code == 1011
        closed = await wait_for_event(factories, lambda e: e[:2] == ["close", path])
        assert closed[3] == 1011

    asyncio.run(talk())
    assert "failing in onMessage, on purpose" in factories.output()


def test_message_limit_of_the_factory_closes_1009(factories: LiveServer) -> None:
    async def talk() -> None:
        async with connect(ws_url(factories, "/limited/" + tag("limit"))) as ws:
            assert await answer(ws, b"x" * 64) == b"x" * 64
            await ws.send(b"x" * 65)
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 10)
            assert ws.close_code == 1009

    asyncio.run(talk())


def test_allowed_origins_and_trusted_proxy(factories: LiveServer) -> None:
    from websockets.typing import Origin

    async def talk() -> None:
        url = ws_url(factories, "/strict/" + tag("origin"))
        with pytest.raises(websockets.InvalidStatus) as raised:
            async with connect(url, origin=Origin("https://evil.example")):
                pass
        assert raised.value.response.status_code == 400
        forwarded = {"x-forwarded-for": "198.51.100.1, 203.0.113.9"}
        async with connect(
            url, origin=Origin("https://good.example"), additional_headers=forwarded
        ) as ws:
            info = json.loads(await answer(ws, "info"))
        assert info["peer"] == "203.0.113.9"  # the one trusted proxy's client

    asyncio.run(talk())


def test_frame_level_api_says_it_is_unavailable(factories: LiveServer) -> None:
    async def talk() -> None:
        async with connect(ws_url(factories, "/echo/" + tag("frames"))) as ws:
            reply = await answer(ws, "frame")
            assert isinstance(reply, str)
            assert reply.startswith("NotImplementedError: beginMessage() is not available")
            assert await answer(ws, "prepared") == "prepared"
            assert await answer(ws, "unprepared") == "NotImplementedError"

    asyncio.run(talk())


def test_streaming_receive_api_sees_one_frame_per_message(factories: LiveServer) -> None:
    async def talk() -> None:
        async with connect(ws_url(factories, "/stream/" + tag("stream"))) as ws:
            await ws.send([b"frag", b"ments"])  # Albany joins the fragments first
            assert await asyncio.wait_for(ws.recv(), 10) == b"begin data 9 message: fragments"
            assert await answer(ws, "text") == "begin data 4 message: text"

    asyncio.run(talk())


def test_plain_http_gets_426(factories: LiveServer) -> None:
    response = httpx.get(factories.url + "/echo/page")
    assert response.status_code == 426
    assert response.headers["upgrade"] == "websocket"

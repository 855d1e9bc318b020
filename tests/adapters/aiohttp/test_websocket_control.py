"""Ping, pong and heartbeat of aiohttp's ``WebSocketResponse`` through Albany, on every loop;
the same app on an ASGI server without extensions; ``run_app(..., loop="twisted")``.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import Any

import aiohttp
import pytest

from albany.testing import LiveServer, loop_available
from tests.adapters.aiohttp.test_websocket import WS_SERVICE, recorded, run, ws_url
from tests.conftest import ROOT_DIR, ServerPool

websockets = pytest.importorskip("websockets")

PLAIN_SERVICE = "tests.adapters.aiohttp.ws_service:make_plain_server_app"
PING_EXTENSION = "albany.websocket.ping"


@pytest.fixture
def ws_service(server_pool: ServerPool, loop: str) -> LiveServer:
    """The WebSocket service through Albany on ``loop``, shared across tests."""
    return server_pool.get(WS_SERVICE, loop, "--factory")


@pytest.fixture
def plain_service(server_pool: ServerPool, loop: str) -> LiveServer:
    """The service behind scopes without extensions, as another ASGI server gives them."""
    return server_pool.get(PLAIN_SERVICE, loop, "--factory")


def skip_without_ping_extension(seen: set[Any]) -> None:
    if any(isinstance(message, str) and message.startswith("no ping") for message in seen):
        pytest.skip(f"this Albany has no {PING_EXTENSION} extension yet")


# -- with the albany.websocket.ping extension --------------------------------------------------


def test_ping_and_pong_reach_a_handler_without_autoping(ws_service: LiveServer) -> None:
    async def talk() -> tuple[set[Any], Any]:
        async with aiohttp.ClientSession() as session:
            # autoping on the client: it answers the handler's ping("hello") by itself
            async with session.ws_connect(ws_service.url + "/ws/control") as ws:
                await ws.ping(b"abc")
                seen = {(await ws.receive()).data for _ in range(2)}
            async with session.ws_connect(ws_service.url + "/ws/control", autoping=False) as ws:
                ping = await ws.receive()
                await ws.send_str("pong me")
                pong = await ws.receive()
                return seen, [(ping.type, ping.data), (pong.type, pong.data)]

    seen, frames = run(talk())
    skip_without_ping_extension(seen)
    assert seen == {"ping:abc", "pong:hello"}
    assert frames == [
        (aiohttp.WSMsgType.PING, b"hello"),
        (aiohttp.WSMsgType.PONG, b"unsolicited"),
    ]


def test_heartbeat_pings_and_closes_without_pong(ws_service: LiveServer) -> None:
    """A pong keeps the session; a missing one ends it: aiohttp gives up, Albany closes 1011."""

    async def talk() -> list[Any]:
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(
                ws_service.url + "/ws/heartbeat?every=1&tag=beat", autoping=False
            ) as ws:
                try:
                    ping = await ws.receive(timeout=5)
                except asyncio.TimeoutError:
                    return ["no heartbeat ping within 5 s"]
                await ws.pong(ping.data)
                await ws.send_str("still here")
                echoed = await ws.receive()
                second = await ws.receive()  # the next heartbeat: left unanswered
                closing = await ws.receive()
                return [ping.type, echoed.data, second.type, (closing.type, closing.data)]

    got = run(talk())
    if len(got) == 1:
        pytest.skip(f"this Albany has no {PING_EXTENSION} extension yet: {got[0]}")
    assert got == [
        aiohttp.WSMsgType.PING,
        "still here",
        aiohttp.WSMsgType.PING,
        (aiohttp.WSMsgType.CLOSE, 1011),
    ]
    assert recorded(ws_service, "beat", 2) == [{"error": "TimeoutError"}, {"close_code": 1006}]


def test_heartbeat_is_answered_by_websockets(ws_service: LiveServer) -> None:
    """websockets answers pings itself: the session outlives several heartbeats."""
    from websockets.asyncio.client import connect

    async def talk() -> list[Any]:
        async with connect(
            ws_url(ws_service, "/ws/heartbeat?every=0.4&tag=beat2"), ping_interval=None
        ) as ws:
            answers = []
            for number in range(4):
                await asyncio.sleep(0.5)  # a heartbeat ping and its pong in between
                await ws.send(f"beat {number}")
                answers.append(await ws.recv())
            return answers

    assert run(talk()) == ["beat 0", "beat 1", "beat 2", "beat 3"]
    assert recorded(ws_service, "beat2") == [{"close_code": 1000}]


# -- an ASGI server without extensions --------------------------------------------------------


def test_without_extensions_messages_and_closing(plain_service: LiveServer) -> None:
    from websockets.asyncio.client import connect

    async def talk() -> list[Any]:
        async with connect(ws_url(plain_service, "/ws/echo?tag=plain")) as ws:
            await ws.send("text")
            await ws.send(b"bytes")
            answers: list[Any] = [await ws.recv(), await ws.recv()]
        async with connect(ws_url(plain_service, "/ws/inspect/ann")) as ws:
            answers.append((await ws.recv())[:20])
            assert ws.response is not None
            answers.append(ws.response.headers["Set-Cookie"])
        async with connect(ws_url(plain_service, "/ws/close")) as ws:
            await ws.send("go")
            with pytest.raises(websockets.ConnectionClosed):
                await ws.recv()
            answers.append(ws.close_code)
        return answers

    assert run(talk()) == ["text", b"bytes", '{"name": "ann", "pat', "seen=yes; Path=/", 4001]
    assert recorded(plain_service, "plain") == [{"closed": True, "close_code": 1000}]


def test_without_extensions_denials_are_403(plain_service: LiveServer) -> None:
    """Without ``websocket.http.response`` a refusal is ``websocket.close``: always 403."""
    from websockets.asyncio.client import connect

    async def talk() -> list[int]:
        statuses = []
        for path in ("/ws/deny", "/ws/refuse", "/ws/nowhere"):
            with pytest.raises(websockets.InvalidStatus) as refused:
                async with connect(ws_url(plain_service, path)):
                    pass
            statuses.append(refused.value.response.status_code)
        return statuses

    assert run(talk()) == [403, 403, 403]


def test_without_extensions_ping_raises_and_heartbeat_is_off(plain_service: LiveServer) -> None:
    async def talk() -> list[Any]:
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(plain_service.url + "/ws/control") as ws:
                no_ping = await ws.receive_str()
                await ws.send_str("pong me")
                no_pong = await ws.receive_str()
            async with session.ws_connect(
                plain_service.url + "/ws/heartbeat?every=0.1&tag=plainbeat", autoping=False
            ) as ws:
                # ten heartbeats long: no ping comes, and nothing kills the session
                with pytest.raises(asyncio.TimeoutError):
                    await ws.receive(timeout=1.0)
                await ws.send_str("alive")
                alive = await ws.receive_str()
            return [no_ping, no_pong, alive]

    no_ping, no_pong, alive = run(talk())
    assert no_ping.startswith("no ping: a ping frame needs") and PING_EXTENSION in no_ping
    assert no_pong.startswith("no pong: a pong frame needs")
    assert alive == "alive"
    assert recorded(plain_service, "plainbeat") == [{"close_code": 1000}]
    assert "heartbeat=...) is off" in plain_service.output()


def test_without_extensions_failure_closes_with_1011(plain_service: LiveServer) -> None:
    from websockets.asyncio.client import connect

    async def talk() -> Any:
        async with connect(ws_url(plain_service, "/ws/crash")) as ws:
            await ws.send("boom")
            with pytest.raises(websockets.ConnectionClosedError):
                await ws.recv()
            return ws.close_code

    assert run(talk()) == 1011


# -- run_app ----------------------------------------------------------------------------------

SCRIPT = """
import sys
from albany_aiohttp import run_app
from tests.adapters.aiohttp.ws_service import make_app

sys.exit(run_app(make_app(), host="127.0.0.1", port=0, loop=sys.argv[1], print=None,
                 access_log=None, shutdown_timeout=5))
"""


class RunAppServer(LiveServer):
    """A script calling ``run_app(ws_service.make_app(), loop=LOOP)``."""

    def __init__(self, loop: str) -> None:
        super().__init__("run_app", "asyncio", env={"PYTHONPATH": ROOT_DIR})
        self._run_loop = loop

    def command(self) -> list[str]:
        return [sys.executable, "-c", SCRIPT, self._run_loop]


def test_run_app_serves_websocket_under_twisted() -> None:
    if not loop_available("twisted"):
        pytest.skip("twisted is not installed")
    from websockets.asyncio.client import connect

    server = RunAppServer("twisted").start()

    async def talk() -> list[Any]:
        async with connect(ws_url(server, "/ws/echo"), subprotocols=None) as ws:
            await ws.send("under twisted")
            echoed = await ws.recv()
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(server.url + "/ws/close") as aws:
                await aws.send_str("go")
                closing = await aws.receive()
            async with session.get(server.url + "/") as response:
                text = await response.text()
        return [echoed, (closing.type, closing.data, closing.extra), text]

    try:
        assert "(twisted" in server.output()
        assert run(talk()) == [
            "under twisted",
            (aiohttp.WSMsgType.CLOSE, 4001, "bye"),
            "plain HTTP beside WebSocket",
        ]
    finally:
        server.signal(signal.SIGINT)
        status = server.wait()
    assert status == 0

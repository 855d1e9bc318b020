"""One aiohttp WebSocket application, served by aiohttp's own server and through Albany.

The same sessions, with aiohttp's client and websockets, against ``ws_service`` under
``web.AppRunner`` and under Albany on every loop: what the clients see, and what the
handlers record, must agree — but for the differences the guide names (a handler
failing after ``prepare``: aiohttp drops the connection, Albany closes with 1011;
compression: Albany negotiates it and aiohttp sees no offer).
"""

from __future__ import annotations

import json
import sys
from typing import Any, Awaitable, Callable, Iterator

import aiohttp
import pytest

from albany.testing import LiveServer
from tests.adapters.aiohttp.test_websocket import WS_SERVICE, recorded, run, ws_url
from tests.conftest import ROOT_DIR, ServerPool

websockets = pytest.importorskip("websockets")

Scenario = Callable[[LiveServer], Awaitable[Any]]


async def echo(server: LiveServer) -> Any:
    from websockets.asyncio.client import connect

    async with connect(ws_url(server, "/ws/echo?tag=diff-echo")) as ws:
        got = []
        for message in ("text", "", b"\x00bytes", b""):
            await ws.send(message)
            got.append(await ws.recv())
        await ws.close(code=4002, reason="bye")
    return got  # the server's answer to the close differs: see test_where_they_differ


async def typed(server: LiveServer) -> Any:
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(server.url + "/ws/typed?tag=diff-typed") as ws:
            await ws.send_json({"n": [1, 2]})
            got: list[Any] = [await ws.receive_json()]
            await ws.send_str("loud")
            got.append(await ws.receive_str())
            await ws.send_bytes(b"xyz")
            got += [await ws.receive_bytes(), await ws.receive_bytes()]
            await ws.close(code=4003, message=b"done")
    return got


async def server_close(server: LiveServer) -> Any:
    from websockets.asyncio.client import connect

    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(server.url + "/ws/close?tag=diff-close1") as ws:
            await ws.send_str("go")
            message = await ws.receive()
    async with connect(ws_url(server, "/ws/close?tag=diff-close2")) as client:
        await client.send("go")
        with pytest.raises(websockets.ConnectionClosed):
            await client.recv()
    return [message.type.name, message.data, message.extra, client.close_code, client.close_reason]


async def inspect(server: LiveServer) -> Any:
    from websockets.asyncio.client import connect

    async with connect(
        ws_url(server, "/ws/inspect/ann?x=1"),
        subprotocols=["superchat"],  # type: ignore[list-item]
        additional_headers={"Cookie": "session=abc", "X-Token": "t"},
        compression=None,  # no offer: the one thing the two servers see differently
    ) as ws:
        seen = json.loads(await ws.recv())
        assert ws.response is not None
        headers = {
            name: ws.response.headers.get(name)
            for name in ("Set-Cookie", "X-Handshake", "Sec-WebSocket-Protocol")
        }
    return seen, headers


async def denials(server: LiveServer) -> Any:
    from websockets.asyncio.client import connect

    statuses = []
    for path in ("/ws/deny", "/ws/refuse", "/ws/nowhere", "/ws/private", "/ws/crash-early"):
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with connect(ws_url(server, path)):
                pass
        response = refused.value.response
        statuses.append(
            (response.status_code, bytes(response.body), response.headers.get("WWW-Authenticate"))
        )
    async with connect(ws_url(server, "/ws/private?token=secret")) as ws:
        statuses.append(await ws.recv())
    return statuses


async def limits_and_timeouts(server: LiveServer) -> Any:
    from websockets.asyncio.client import connect

    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(server.url + "/ws/limited?tag=diff-limit") as ws:
            await ws.send_bytes(b"a" * 100)
            got: list[Any] = [(await ws.receive()).data]
            await ws.send_bytes(b"a" * 2000)
            closing = await ws.receive()
            got.append([closing.type.name, closing.data])
    async with connect(ws_url(server, "/ws/timeout")) as client:
        got.append(await client.recv())
    async with connect(ws_url(server, "/ws/raw")) as client:
        await client.send("hé")
        got.append(await client.recv())
    return got


async def ordering(server: LiveServer) -> Any:
    from websockets.asyncio.client import connect

    async with connect(ws_url(server, "/ws/count")) as ws:
        await ws.send("100")
        return [message async for message in ws]


async def control(server: LiveServer) -> Any:
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(server.url + "/ws/control") as ws:
            await ws.ping(b"abc")
            seen = sorted([(await ws.receive()).data for _ in range(2)])
        async with session.ws_connect(server.url + "/ws/control", autoping=False) as ws:
            ping = await ws.receive()
            await ws.send_str("pong me")
            pong = await ws.receive()
    return seen, [ping.type.name, ping.data, pong.type.name, pong.data]


async def vanish(server: LiveServer) -> Any:
    from websockets.asyncio.client import connect

    ws = await connect(ws_url(server, "/ws/echo?tag=diff-vanish"))
    await ws.send("here")
    got = await ws.recv()
    ws.transport.abort()
    return got


SCENARIOS: dict[str, Scenario] = {
    "echo": echo,
    "typed": typed,
    "server_close": server_close,
    "inspect": inspect,
    "denials": denials,
    "limits_and_timeouts": limits_and_timeouts,
    "ordering": ordering,
    "control": control,
    "vanish": vanish,
}
TAGS = ("diff-echo", "diff-typed", "diff-close1", "diff-close2", "diff-limit", "diff-vanish")
RECORDS = {"diff-limit": 2}


def transcript(server: LiveServer) -> dict[str, Any]:
    """What the clients saw in each scenario, then what the handlers recorded."""
    seen = {name: run(scenario(server)) for name, scenario in SCENARIOS.items()}
    for tag in TAGS:
        seen[tag] = recorded(server, tag, RECORDS.get(tag, 1))
    return json.loads(json.dumps(seen, default=repr))


class AiohttpOwnServer(LiveServer):
    """``ws_service`` under aiohttp's own ``AppRunner``."""

    def __init__(self) -> None:
        super().__init__(WS_SERVICE, "asyncio", env={"PYTHONPATH": ROOT_DIR})

    def command(self) -> list[str]:
        return [sys.executable, "-m", "tests.adapters.aiohttp.ws_service", "--port", "0"]


@pytest.fixture(scope="module")
def reference() -> Iterator[dict[str, Any]]:
    """What aiohttp's own server gives."""
    server = AiohttpOwnServer().start()
    try:
        yield transcript(server)
    finally:
        server.stop()


def test_same_sessions_as_aiohttp(
    server_pool: ServerPool, loop: str, reference: dict[str, Any]
) -> None:
    server = server_pool.get(WS_SERVICE, loop, "--factory")
    got = transcript(server)
    differences = [
        f"{name}: aiohttp {reference[name]!r:.400}\n    albany {got[name]!r:.400}"
        for name in reference
        if got[name] != reference[name]
    ]
    assert not differences, "\n".join(differences)


def test_reference_is_what_the_adapter_tests_expect(reference: dict[str, Any]) -> None:
    """The reference itself: guards against comparing two equally wrong transcripts."""
    assert reference["server_close"] == ["CLOSE", 4001, "bye", 4001, "bye"]
    assert reference["diff-close1"] == [{"closed": True, "close_code": 1000, "is_closed": True}]
    assert reference["diff-vanish"] == [{"closed": True, "close_code": 1006}]
    assert reference["control"] == [
        ["ping:abc", "pong:hello"],
        ["PING", "b'hello'", "PONG", "b'unsolicited'"],
    ]
    assert [status for status, _, _ in reference["denials"][:5]] == [403, 401, 404, 403, 500]
    assert reference["ordering"] == [str(number) for number in range(100)]
    assert reference["inspect"][0]["offers"] is None  # the client offered no compression


def test_where_they_differ(server_pool: ServerPool) -> None:
    """Two differences, both Albany's frames: a handler failing after ``prepare`` (aiohttp
    drops the connection, Albany closes with 1011), and the answer to a client's close
    frame (aiohttp's ``receive()`` answers 1000, Albany repeats the client's code)."""
    from websockets.asyncio.client import connect

    async def closes(server: LiveServer) -> Any:
        async with connect(ws_url(server, "/ws/crash")) as ws:
            await ws.send("boom")
            with pytest.raises(websockets.ConnectionClosedError):
                await ws.recv()
        async with connect(ws_url(server, "/ws/echo")) as client:
            await client.close(code=4002)
        return ws.close_code, client.close_code

    own = AiohttpOwnServer().start()
    try:
        assert run(closes(own)) == (1006, 1000)  # 1006: no close frame, the connection dropped
    finally:
        own.stop()
    assert run(closes(server_pool.get(WS_SERVICE, "asyncio", "--factory"))) == (1011, 4002)

"""Tornado ``WebSocketHandler``s through Albany on every loop, with the ``websockets`` client."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from typing import Any

import httpx
import pytest

from albany.testing import LiveServer
from tests.observe import events, wait_for_event

websockets = pytest.importorskip("websockets")

APP = "tests.adapters.tornado.ws_app:app"
WAIT = 10.0


@pytest.fixture
def ws_server(server_pool: Any, loop: str) -> LiveServer:
    """``ws_app:app`` on ``loop``, shared across tests."""
    server: LiveServer = server_pool.get(APP, loop)
    return server


def url(server: LiveServer, path: str) -> str:
    return f"ws://{server.host}:{server.port}{path}"


def tag() -> str:
    return f"t{time.monotonic_ns()}"


async def recv(ws: Any) -> Any:
    return await asyncio.wait_for(ws.recv(), WAIT)


async def closed(ws: Any) -> tuple[int | None, str | None]:
    """Wait until the server has closed ``ws``; its close code and reason."""
    with pytest.raises(websockets.ConnectionClosed):
        while True:
            await recv(ws)
    return ws.close_code, ws.close_reason


def test_echo_text_binary_and_empty(ws_server: LiveServer) -> None:
    from websockets.asyncio.client import connect

    async def talk() -> None:
        async with connect(url(ws_server, "/ws/echo")) as ws:
            for message in ("text", b"bytes", "", b"", "é" * 1000, bytes(range(256)) * 16):
                await ws.send(message)
                assert await recv(ws) == message

    asyncio.run(talk())


def test_dict_is_sent_as_json(ws_server: LiveServer) -> None:
    from websockets.asyncio.client import connect

    async def talk() -> None:
        async with connect(url(ws_server, "/ws/json")) as ws:
            await ws.send(json.dumps({"a": [1, 2], "b": "é"}))
            answer = await recv(ws)
            assert isinstance(answer, str)  # a text message
            assert json.loads(answer) == {"got": {"a": [1, 2], "b": "é"}, "subprotocol": None}

    asyncio.run(talk())


def test_handler_sees_the_upgrade_request_and_answers_with_its_headers(
    ws_server: LiveServer,
) -> None:
    from websockets.asyncio.client import connect

    async def talk() -> None:
        async with connect(
            url(ws_server, "/ws/info/room/42?q=find"),
            subprotocols=["other", "chat"],  # type: ignore[list-item]
            additional_headers={"Cookie": "user=ann", "X-Test": "seen"},
        ) as ws:
            assert ws.subprotocol == "chat"
            assert ws.response is not None
            headers = ws.response.headers
            assert headers["X-Handshake"] == "prepared"  # set in prepare()
            assert headers["Set-Cookie"].startswith("visited=yes")
            # get_compression_options() is None: no permessage-deflate, as in Tornado
            assert "Sec-WebSocket-Extensions" not in headers
            info = json.loads(await recv(ws))
        assert info == {
            "args": ["room", "42"],
            "query": "find",
            "user": "ann",
            "x_test": "seen",
            "offered": ["other", "chat"],
            "subprotocol": "chat",
            "protocol": "http",
            "remote_ip": "127.0.0.1",
            "full_url": f"http://127.0.0.1:{ws_server.port}/ws/info/room/42?q=find",
            "status": 101,
        }

    asyncio.run(talk())


def test_check_origin_denies_with_403(ws_server: LiveServer) -> None:
    from websockets.asyncio.client import connect

    async def talk() -> None:
        with pytest.raises(websockets.InvalidStatus) as raised:
            async with connect(url(ws_server, "/ws/guarded"), origin="http://evil.example"):  # type: ignore[arg-type]
                pass
        assert raised.value.response.status_code == 403
        assert raised.value.response.body == b"Cross origin websockets not allowed"
        async with connect(url(ws_server, "/ws/guarded"), origin="http://allowed.example") as ws:  # type: ignore[arg-type]
            await ws.send("hi")
            assert await recv(ws) == "guarded hi"

    asyncio.run(talk())


@pytest.mark.parametrize(
    ("path", "status"),
    [("/nowhere", 404), ("/ws/refuse/401", 401), ("/ws/refuse/fail", 500), ("/", 200)],
)
def test_denials_are_the_handlers_responses(ws_server: LiveServer, path: str, status: int) -> None:
    from websockets.asyncio.client import connect

    async def talk() -> None:
        with pytest.raises(websockets.InvalidStatus) as raised:
            async with connect(url(ws_server, path)):
                pass
        assert raised.value.response.status_code == status

    asyncio.run(talk())


def test_server_close_reaches_the_client(ws_server: LiveServer) -> None:
    from websockets.asyncio.client import connect

    name = tag()

    async def talk() -> None:
        async with connect(url(ws_server, f"/ws/commands/{name}")) as ws:
            await ws.send("close 4001 server bye")
            assert await closed(ws) == (4001, "server bye")

    asyncio.run(talk())
    # the client answered with the same code and reason: on_close sees them
    assert wait_for_event(ws_server, f"closed {name} 4001 server bye")


@pytest.mark.parametrize(
    ("code", "reason", "seen"),
    [(4002, "client bye", "4002 client bye"), (1000, "", "1000 None")],
)
def test_client_close_runs_on_close(
    ws_server: LiveServer, code: int, reason: str, seen: str
) -> None:
    from websockets.asyncio.client import connect

    name = tag()

    async def talk() -> None:
        async with connect(url(ws_server, f"/ws/commands/{name}")) as ws:
            await ws.send("hello")
            assert await recv(ws) == "hello"
            await ws.close(code, reason)

    asyncio.run(talk())
    assert wait_for_event(ws_server, f"closed {name} {seen}")


def test_lost_connection_runs_on_close_without_a_code(ws_server: LiveServer) -> None:
    from websockets.asyncio.client import connect

    name = tag()

    async def talk() -> None:
        async with connect(url(ws_server, f"/ws/commands/{name}")) as ws:
            await ws.send("hello")
            assert await recv(ws) == "hello"
            ws.transport.abort()  # no close frame: Albany reports 1006, Tornado says None

    asyncio.run(talk())
    assert wait_for_event(ws_server, f"closed {name} None None")


def test_client_gone_before_the_answer_runs_on_close(ws_server: LiveServer) -> None:
    name = tag()
    request = (
        f"GET /ws/slow-prepare/{name} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n"
    )
    with socket.create_connection((ws_server.host, ws_server.port), timeout=WAIT) as sock:
        sock.sendall(request.encode())
        assert wait_for_event(ws_server, f"preparing {name}")
    assert wait_for_event(ws_server, f"closed {name} None None")  # on_connection_close
    httpx.get(f"{ws_server.url}/gate/{name}")  # let prepare finish: nothing breaks


def test_albany_size_limit_comes_first(server_pool: Any, loop: str) -> None:
    from websockets.asyncio.client import connect

    server: LiveServer = server_pool.get(APP, loop, "--ws-max-size", "1000")
    name = tag()

    async def talk() -> None:
        async with connect(url(server, f"/ws/commands/{name}"), compression=None) as ws:
            await ws.send("x" * 1000)
            assert await recv(ws) == "x" * 1000
            await ws.send("x" * 1001)  # under websocket_max_message_size, over --ws-max-size
            code, _ = await closed(ws)
            assert code == 1009

    asyncio.run(talk())
    deadline = time.monotonic() + WAIT  # on_close sees the code Albany failed the session with
    while not any(event.startswith(f"closed {name} 1009 ") for event in events(server)):
        assert time.monotonic() < deadline, events(server)
        time.sleep(0.05)


def test_write_after_close_raises_websocket_closed_error(ws_server: LiveServer) -> None:
    from websockets.asyncio.client import connect

    name = tag()

    async def talk() -> None:
        async with connect(url(ws_server, f"/ws/commands/{name}")) as ws:
            await ws.send("close-then-write")
            assert await closed(ws) == (4000, "closing")

    asyncio.run(talk())
    assert wait_for_event(ws_server, f"closed error {name}")
    assert f"closed {name} 4000 closing" in events(ws_server)


def test_handler_error_closes_with_1011(ws_server: LiveServer) -> None:
    from websockets.asyncio.client import connect

    name = tag()

    async def talk() -> None:
        async with connect(url(ws_server, f"/ws/commands/{name}")) as ws:
            await ws.send(b"commands are text")  # on_message fails on bytes
            assert await closed(ws) == (1011, "")

    asyncio.run(talk())
    assert wait_for_event(ws_server, f"closed {name} 1011 None")


@pytest.mark.parametrize("how", ["sync", "async"])
def test_cancelled_error_in_on_message_is_the_handlers_to_log(
    ws_server: LiveServer, how: str
) -> None:
    """As in Tornado: logged by ``log_exception``, the session aborted, ``on_close`` run."""
    from websockets.asyncio.client import connect

    name = tag()

    async def talk() -> None:
        async with connect(url(ws_server, f"/ws/cancelled/{name}/{how}")) as ws:
            await ws.send("hello")
            assert (await closed(ws))[0] == 1011

    asyncio.run(talk())
    assert wait_for_event(ws_server, f"closed {name} 1011")
    assert f"logged {name} CancelledError" in events(ws_server)


def test_coroutine_on_message_keeps_order(ws_server: LiveServer) -> None:
    from websockets.asyncio.client import connect

    count = 300

    async def talk() -> None:
        async with connect(url(ws_server, "/ws/sequenced")) as ws:
            for index in range(count):
                await ws.send(str(index))
            received = [await recv(ws) for _ in range(2 * count)]
        expected = [text for index in range(count) for text in (str(index), f"{index}!")]
        assert received == expected

    asyncio.run(talk())


def test_on_message_is_awaited_before_the_next(ws_server: LiveServer) -> None:
    from websockets.asyncio.client import connect

    name = tag()

    async def talk() -> None:
        async with connect(url(ws_server, f"/ws/gated/{name}")) as ws:
            for message in ("a", "b", "c"):
                await ws.send(message)
            assert await asyncio.to_thread(wait_for_event, ws_server, f"gated {name} a")
            await asyncio.sleep(0.3)  # time for a wrong adapter to hand "b" over meanwhile
            seen = await asyncio.to_thread(events, ws_server)
            assert f"gated {name} b" not in seen
            async with httpx.AsyncClient() as http:
                await http.get(f"{ws_server.url}/gate/{name}")
            assert [await recv(ws) for _ in range(3)] == ["a", "b", "c"]

    asyncio.run(talk())


def test_many_messages_in_order(ws_server: LiveServer) -> None:
    from websockets.asyncio.client import connect

    count = 2000

    async def talk() -> None:
        async with connect(url(ws_server, "/ws/echo")) as ws:

            async def send_all() -> None:
                for index in range(count):
                    await ws.send(f"m{index}")

            sending = asyncio.ensure_future(send_all())
            received = [await recv(ws) for _ in range(count)]
            await sending
        assert received == [f"m{index}" for index in range(count)]

    asyncio.run(talk())


def test_ping_and_pong_through_the_extension(ws_server: LiveServer) -> None:
    from websockets.asyncio.client import connect

    async def talk() -> None:
        async with connect(url(ws_server, f"/ws/commands/{tag()}"), ping_interval=None) as ws:
            await ws.send("ping from-handler")  # handler.ping(); the client answers; on_pong
            assert await recv(ws) == "pong from-handler"
            pong = await ws.ping(b"from-client")  # Albany answers; on_ping reports it
            await asyncio.wait_for(pong, WAIT)
            assert await recv(ws) == "ping from-client"
            await ws.send("nodelay")  # set_nodelay: accepted, a no-op
            assert await recv(ws) == "nodelay done"

    asyncio.run(talk())


@pytest.mark.parametrize(
    ("largest", "too_big"),
    [(b"x" * 4096, b"x" * 4097), ("é" * 2048, "é" * 2048 + "e")],  # text counts in UTF-8
    ids=["bytes", "text"],
)
def test_message_over_websocket_max_message_size_closes_1009(
    ws_server: LiveServer, largest: str | bytes, too_big: str | bytes
) -> None:
    from websockets.asyncio.client import connect

    async def talk() -> None:
        async with connect(url(ws_server, "/ws/echo")) as ws:
            await ws.send(largest)
            assert await recv(ws) == largest
            await ws.send(too_big)
            assert await closed(ws) == (1009, "message too big")

    asyncio.run(talk())


def test_http_and_websocket_on_one_port(ws_server: LiveServer) -> None:
    from websockets.asyncio.client import connect

    async def talk() -> None:
        async with httpx.AsyncClient(base_url=ws_server.url) as http:
            async with connect(url(ws_server, "/ws/echo")) as ws:
                await ws.send("before")
                assert await recv(ws) == "before"
                answer = await http.get("/")
                assert (answer.status_code, answer.text) == (200, "hello over http")
                await ws.send("after")
                assert await recv(ws) == "after"
            assert (await http.get("/")).text == "hello over http"

    asyncio.run(talk())


def test_aiohttp_client(ws_server: LiveServer) -> None:
    aiohttp = pytest.importorskip("aiohttp")
    name = tag()

    async def talk() -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=WAIT)) as session:
            async with session.ws_connect(
                url(ws_server, "/ws/info/aio/7"), protocols=("chat",), headers={"X-Test": "aio"}
            ) as ws:
                assert ws.protocol == "chat"
                info = await ws.receive_json(timeout=WAIT)
                assert (info["args"], info["x_test"]) == (["aio", "7"], "aio")
            async with session.ws_connect(url(ws_server, f"/ws/commands/{name}")) as ws:
                await ws.send_str("text")
                assert await ws.receive_str(timeout=WAIT) == "text"
                await ws.send_str("close 4010 aio bye")
                message = await ws.receive(timeout=WAIT)
                assert message.type is aiohttp.WSMsgType.CLOSE
                assert (message.data, message.extra) == (4010, "aio bye")

    asyncio.run(talk())
    assert wait_for_event(ws_server, f"closed {name} 1000 None")  # what aiohttp answered with

"""aiohttp's ``WebSocketResponse`` through Albany, on every loop, with two real clients.

The frames are Albany's; the handlers use aiohttp's API unchanged (``ws_service.py``).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp
import httpx
import pytest

from albany.testing import LiveServer
from tests.conftest import ServerPool
from tests.contract import raw

websockets = pytest.importorskip("websockets")

WS_SERVICE = "tests.adapters.aiohttp.ws_service:make_app"
TIMEOUT = 10.0
"""The bound on every wait: a broken session fails the test instead of hanging it."""


@pytest.fixture
def ws_service(server_pool: ServerPool, loop: str) -> LiveServer:
    """The WebSocket service through Albany on ``loop``, shared across tests."""
    return server_pool.get(WS_SERVICE, loop, "--factory")


def ws_url(server: LiveServer, path: str) -> str:
    return f"ws://{server.host}:{server.port}{path}"


def recorded(server: LiveServer, tag: str, count: int = 1) -> list[Any]:
    """What the handlers recorded under ``tag``, once there are ``count`` entries."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        found: list[Any] = httpx.get(f"{server.url}/events", params={"tag": tag}).json()
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


def run(coroutine: Any) -> Any:
    async def bounded() -> Any:
        return await asyncio.wait_for(coroutine, TIMEOUT)

    return asyncio.run(bounded())


# -- messages -------------------------------------------------------------------------------


def test_echo_with_websockets(ws_service: LiveServer) -> None:
    from websockets.asyncio.client import connect

    async def talk() -> list[Any]:
        async with connect(ws_url(ws_service, "/ws/echo?tag=wsecho")) as ws:
            answers = []
            for message in ("hello", "", "héllo ✓", b"\x00\x01binary", b""):
                await ws.send(message)
                answers.append(await ws.recv())
            await ws.close(code=4002, reason="client leaves")
            return answers

    assert run(talk()) == ["hello", "", "héllo ✓", b"\x00\x01binary", b""]
    assert recorded(ws_service, "wsecho") == [{"closed": True, "close_code": 4002}]


def test_echo_with_aiohttp_client(ws_service: LiveServer) -> None:
    async def talk() -> list[Any]:
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(ws_service.url + "/ws/echo?tag=aioecho") as ws:
                await ws.send_str("text")
                await ws.send_bytes(b"bytes")
                await ws.send_json({"a": [1, 2]})
                await ws.send_str("")
                await ws.send_bytes(b"")
                got = [(await ws.receive()).data for _ in range(5)]
                await ws.close()
                return got

    assert run(talk()) == ["text", b"bytes", '{"a": [1, 2]}', "", b""]
    assert recorded(ws_service, "aioecho") == [{"closed": True, "close_code": 1000}]


def test_receive_and_send_helpers(ws_service: LiveServer) -> None:
    async def talk() -> list[Any]:
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(ws_service.url + "/ws/typed?tag=typed") as ws:
                await ws.send_json({"n": 1})
                got: list[Any] = [await ws.receive_json()]
                await ws.send_str("shout")
                got.append(await ws.receive_str())
                await ws.send_bytes(b"abc")
                got.append(await ws.receive_bytes())
                got.append(await ws.receive_bytes())
                await ws.close(code=4003, message=b"done")
                return got

    assert run(talk()) == [{"got": {"n": 1}}, "SHOUT", b"cba", b"frame"]
    [seen] = recorded(ws_service, "typed")
    assert seen == {"type": "CLOSE", "data": 4003, "code": 4003}


def test_text_as_bytes_and_receive_timeout(ws_service: LiveServer) -> None:
    from websockets.asyncio.client import connect

    async def talk() -> list[Any]:
        async with connect(ws_url(ws_service, "/ws/raw")) as ws:
            await ws.send("hi ✓")
            raw = await ws.recv()
        async with connect(ws_url(ws_service, "/ws/timeout")) as ws:
            timed_out = await ws.recv()
        return [raw, timed_out]

    assert run(talk()) == ["TEXT:bytes:b'hi \\xe2\\x9c\\x93'", "timed out"]


def test_many_messages_in_order(ws_service: LiveServer) -> None:
    from websockets.asyncio.client import connect

    async def talk() -> tuple[list[Any], list[Any]]:
        async with connect(ws_url(ws_service, "/ws/count")) as ws:
            await ws.send("500")
            counted = [message async for message in ws]
        async with connect(ws_url(ws_service, "/ws/echo")) as ws:
            for number in range(300):  # all sent before any is read: queues and flow control
                await ws.send(str(number) if number % 2 else str(number).encode())
            echoed = [await ws.recv() for _ in range(300)]
        return counted, echoed

    counted, echoed = run(talk())
    assert counted == [str(number) for number in range(500)]
    assert echoed == [str(n) if n % 2 else str(n).encode() for n in range(300)]


def test_large_messages_and_max_msg_size(ws_service: LiveServer) -> None:
    async def talk() -> tuple[list[Any], Any]:
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(ws_service.url + "/ws/echo") as ws:
                big = bytes(range(256)) * 4096  # 1 MiB, over aiohttp's queue limit
                await ws.send_bytes(big)
                await ws.send_str("x" * 300_000)
                sizes = [len((await ws.receive()).data) for _ in range(2)]
            async with session.ws_connect(ws_service.url + "/ws/limited?tag=limit") as ws:
                await ws.send_bytes(b"a" * 100)
                sizes.append((await ws.receive()).data)
                await ws.send_bytes(b"a" * 2000)
                closing = await ws.receive()
                return sizes, (closing.type, closing.data)

    sizes, closing = run(talk())
    assert sizes == [1 << 20, 300_000, "100"]
    assert closing == (aiohttp.WSMsgType.CLOSE, 1009)
    seen = recorded(ws_service, "limit", 2)
    assert seen[0] == {"error": "Message size 2000 exceeds limit 1024"}
    assert seen[1] == {"close_code": 1006}  # as aiohttp's server: its reader failed


# -- the handshake ----------------------------------------------------------------------------


def test_handshake_seen_by_the_handler_and_the_101(ws_service: LiveServer) -> None:
    from websockets.asyncio.client import connect

    async def talk() -> tuple[Any, Any, Any]:
        async with connect(
            ws_url(ws_service, "/ws/inspect/ann?x=1&y=two"),
            subprotocols=["superchat", "chat"],  # type: ignore[list-item]
            additional_headers={"X-Token": "t0k", "Cookie": "session=abc"},
        ) as ws:
            seen = json.loads(await ws.recv())
            assert ws.response is not None
            return seen, ws.subprotocol, ws.response.headers

    seen, subprotocol, headers = run(talk())
    assert seen["name"] == "ann" and seen["path"] == "/ws/inspect/ann"
    assert seen["query"] == {"x": "1", "y": "two"}
    assert seen["cookies"] == {"session": "abc"} and seen["token"] == "t0k"
    assert seen["upgrade"] == "websocket" and seen["prepared"] is True
    assert seen["ws_protocol"] == "superchat" == subprotocol
    assert seen["can_prepare"] == [True, "superchat"]
    assert seen["remote"] == "127.0.0.1" == seen["peer"]
    # the client offered permessage-deflate: Albany answered it, aiohttp never saw the offer
    assert seen["offers"] is None and seen["compress"] == 0
    assert "permessage-deflate" in headers["Sec-WebSocket-Extensions"]
    assert headers["Set-Cookie"] == "seen=yes; Path=/"
    assert headers["X-Handshake"] == "aiohttp"
    assert headers["Sec-WebSocket-Protocol"] == "superchat"


def test_handshake_with_aiohttp_client(ws_service: LiveServer) -> None:
    async def talk() -> tuple[Any, Any, Any]:
        jar = aiohttp.CookieJar(unsafe=True)  # the server is an IP address
        async with aiohttp.ClientSession(cookie_jar=jar) as session:
            async with session.ws_connect(
                ws_service.url + "/ws/inspect/bob", protocols=("chat",), headers={"X-Token": "z"}
            ) as ws:
                seen = await ws.receive_json()
                return seen, ws.protocol, {cookie.key: cookie.value for cookie in jar}

    seen, protocol, cookies = run(talk())
    assert (seen["name"], seen["token"], seen["ws_protocol"], protocol) == (
        "bob",
        "z",
        "chat",
        "chat",
    )
    assert cookies == {"seen": "yes"}


def test_denials(ws_service: LiveServer) -> None:
    from websockets.asyncio.client import connect

    async def status_of(path: str) -> tuple[int, bytes, Any]:
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with connect(ws_url(ws_service, path)):
                pass
        response = refused.value.response
        return response.status_code, response.body, response.headers

    async def aiohttp_status(path: str) -> int:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await session.ws_connect(ws_service.url + path)
        return refused.value.status

    async def talk() -> list[Any]:
        return [
            await status_of("/ws/deny"),
            await status_of("/ws/refuse"),
            await status_of("/ws/nowhere"),
            await status_of("/ws/private"),
            await status_of("/ws/crash-early"),
            await aiohttp_status("/ws/deny"),
        ]

    deny, refuse, nowhere, private, crashed, aiohttp_deny = run(talk())
    assert deny[:2] == (403, b"no websocket for you")
    assert refuse[:2] == (401, b"log in first")
    assert refuse[2]["WWW-Authenticate"] == 'Bearer realm="ws"'
    assert nowhere[0] == 404
    assert private[:2] == (403, b"token required")
    assert crashed[:2] == (500, b"500 Internal Server Error\n\nServer got itself in trouble")
    assert aiohttp_deny == 403


def test_middleware_lets_a_session_through(ws_service: LiveServer) -> None:
    from websockets.asyncio.client import connect

    async def talk() -> Any:
        async with connect(ws_url(ws_service, "/ws/private?token=secret")) as ws:
            return await ws.recv()

    assert run(talk()) == "welcome ann"


# -- closing ----------------------------------------------------------------------------------


def test_server_close_with_code_and_message(ws_service: LiveServer) -> None:
    from websockets.asyncio.client import connect

    async def talk() -> tuple[Any, Any]:
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(ws_service.url + "/ws/close?tag=close1") as ws:
                await ws.send_str("go")
                message = await ws.receive()
                by_aiohttp = (message.type, message.data, message.extra, ws.close_code)
        async with connect(ws_url(ws_service, "/ws/close?tag=close2")) as ws:
            await ws.send("go")
            with pytest.raises(websockets.ConnectionClosed):
                await ws.recv()
            by_websockets = (ws.close_code, ws.close_reason)
        return by_aiohttp, by_websockets

    by_aiohttp, by_websockets = run(talk())
    assert by_aiohttp == (aiohttp.WSMsgType.CLOSE, 4001, "bye", 4001)
    assert by_websockets == (4001, "bye")
    # close_code is the code of the client's answer: aiohttp's client answers 1000,
    # websockets repeats the server's code
    assert recorded(ws_service, "close1") == [
        {"closed": True, "close_code": 1000, "is_closed": True}
    ]
    assert recorded(ws_service, "close2") == [
        {"closed": True, "close_code": 4001, "is_closed": True}
    ]


def test_handler_failing_after_prepare_closes_with_1011(ws_service: LiveServer) -> None:
    from websockets.asyncio.client import connect

    async def talk() -> tuple[Any, Any]:
        async with connect(ws_url(ws_service, "/ws/crash")) as ws:
            await ws.send("boom")
            with pytest.raises(websockets.ConnectionClosedError):
                await ws.recv()
            by_websockets = ws.close_code
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(ws_service.url + "/ws/crash") as aws:
                await aws.send_str("boom")
                message = await aws.receive()
        return by_websockets, (message.type, message.data)

    assert run(talk()) == (1011, (aiohttp.WSMsgType.CLOSE, 1011))
    assert "handler crashed after prepare" in ws_service.output()


def test_client_close_without_a_code(ws_service: LiveServer) -> None:
    """An empty close frame: Albany answers with an empty one; aiohttp reports code 0."""
    with raw.connect(ws_service) as sock:
        sock.sendall(
            b"GET /ws/echo?tag=nocode HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            b"Sec-WebSocket-Version: 13\r\n\r\n"
        )
        sock.sendall(b"\x88\x80" + b"\x00\x00\x00\x00")  # FIN close, masked, no payload
        answer = raw.read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 101 ")
    assert answer.endswith(b"\r\n\r\n\x88\x00")
    assert recorded(ws_service, "nocode") == [{"closed": True, "close_code": 0}]


def test_client_vanishing_is_the_connection_lost(ws_service: LiveServer) -> None:
    """No close frame: the handler's ``async for`` ends, ``close_code`` is aiohttp's 1006."""
    from websockets.asyncio.client import connect

    async def talk() -> None:
        ws = await connect(ws_url(ws_service, "/ws/echo?tag=vanish"))
        await ws.send("here")
        assert await ws.recv() == "here"
        ws.transport.abort()  # the TCP connection drops, no close handshake
        await asyncio.sleep(0)

    run(talk())
    assert recorded(ws_service, "vanish") == [{"closed": True, "close_code": 1006}]


# -- HTTP and WebSocket together --------------------------------------------------------------


def test_http_and_websocket_on_one_port(ws_service: LiveServer) -> None:
    from websockets.asyncio.client import connect

    async def talk() -> list[Any]:
        async with httpx.AsyncClient(base_url=ws_service.url) as http:
            async with connect(ws_url(ws_service, "/ws/echo")) as ws:
                answers: list[Any] = []
                for number in range(3):
                    await ws.send(f"ws {number}")
                    response = await http.get("/")
                    answers += [await ws.recv(), response.text]
                return answers

    answers = run(talk())
    assert answers[::2] == ["ws 0", "ws 1", "ws 2"]
    assert set(answers[1::2]) == {"plain HTTP beside WebSocket"}
    assert httpx.get(ws_service.url + "/ws/echo").status_code == 400  # aiohttp: no upgrade

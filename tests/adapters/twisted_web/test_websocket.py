"""``twisted.web.websocket`` resources in a tree served by Albany on every loop (websockets).

The tree is ``ws_site:root``. Messages are framed by Albany; the protocol only sees
``albany_twisted_web``'s transport (Twisted's wsproto engine never runs).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest

from albany.testing import LiveServer
from tests.adapters.twisted_web.test_differential import events, wait_for

pytest.importorskip("twisted.web.websocket", reason="Twisted without twisted.web.websocket")
websockets = pytest.importorskip("websockets")

from websockets.asyncio.client import connect  # noqa: E402

WS_SITE = "tests.adapters.twisted_web.ws_site:root"


@pytest.fixture
def ws_site(server_pool: Any, loop: str) -> LiveServer:
    """``ws_site:root`` served by Albany on ``loop`` (shared across tests)."""
    server: LiveServer = server_pool.get(WS_SITE, loop)
    return server


def url(server: LiveServer, path: str) -> str:
    return f"ws://{server.host}:{server.port}{path}"


def tagged(name: str) -> str:
    return f"{name}-{time.monotonic_ns()}"


def run(coroutine: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coroutine, 30))


def test_echo_text_bytes_and_empty_messages(ws_site: LiveServer) -> None:
    tag = tagged("echo")

    async def talk() -> None:
        async with connect(url(ws_site, f"/echo?tag={tag}")) as ws:
            for message in ("hello", b"\x00\xffbytes", "", b"", "é" * 70000, b"b" * 200000):
                await ws.send(message)
                assert await ws.recv() == message

    run(talk())
    seen = events(ws_site)
    # the protocol's transport is Albany's stand-in, and negotiation finished before messages
    assert f"started {tag} albany_twisted_web.websocket_transport" in seen
    assert f"finished {tag}" in seen


def test_subprotocol_chosen_by_the_factory(ws_site: LiveServer) -> None:
    async def talk() -> None:
        async with connect(url(ws_site, "/echo"), subprotocols=["v2", "chat"]) as ws:  # type: ignore[list-item]
            assert ws.subprotocol == "chat"
            # headers the factory set on the request go with the 101
            assert ws.response.headers["x-built-by"] == "EchoFactory"
            await ws.send("hi")
            assert await ws.recv() == "hi"
        async with connect(url(ws_site, "/echo"), subprotocols=["v2"]) as ws:  # type: ignore[list-item]
            assert ws.subprotocol is None

    run(talk())


@pytest.mark.parametrize(
    ("path", "status", "body"),
    [
        ("/reject", 401, b""),  # ConnectionRejected: its response's status and headers
        ("/refuse", 403, b""),  # buildProtocol returned None
        ("/refuse?code=429", 429, b""),  # ... after setting a status on the request
        ("/broken", 500, b"Processing Failed"),  # buildProtocol raised: Twisted's 500 page
        ("/page", 200, b"a page"),  # not a WebSocket resource: what twisted.web renders
        ("/later", 409, b"later"),  # ... also when rendered later (NOT_DONE_YET)
        ("/missing", 404, b"No Such Resource"),
        ("/echo/child", 404, b"No Such Resource"),
    ],
)
def test_denials_reach_the_client(ws_site: LiveServer, path: str, status: int, body: bytes) -> None:
    async def talk() -> Any:
        with pytest.raises(websockets.InvalidStatus) as raised:
            async with connect(url(ws_site, path)):
                pass
        return raised.value.response

    response = run(talk())
    assert response.status_code == status
    assert body in bytes(response.body)
    if status == 401:
        assert response.headers["www-authenticate"] == 'Bearer realm="ws"'


def test_nested_resource_sees_its_place_and_no_extension_offer(ws_site: LiveServer) -> None:
    async def talk() -> None:
        async with connect(url(ws_site, "/nested/deeper/ws?x=1")) as ws:
            # Albany negotiated compression; the tree does not see the offer
            assert "permessage-deflate" in ws.response.headers["sec-websocket-extensions"]
            await ws.send("where")
            where = json.loads(await ws.recv())
            assert where["prepath"] == ["nested", "deeper", "ws"]
            assert where["postpath"] == []
            assert where["sitepath"] == []
            assert where["args"] == {"x": ["1"]}
            assert where["extensions"] is None
            assert where["secure"] is False
            assert where["client"] == "127.0.0.1"

    run(talk())


def test_under_root_path_the_mount_is_the_sites_path(server_pool: Any, loop: str) -> None:
    server: LiveServer = server_pool.get(WS_SITE, loop, "--root-path", "/mount")

    async def talk() -> None:
        async with connect(url(server, "/nested/deeper/ws")) as ws:
            await ws.send("where")
            where = json.loads(await ws.recv())
        assert where["prepath"] == ["mount", "nested", "deeper", "ws"]
        assert where["sitepath"] == ["mount"]
        async with connect(url(server, "/echo")) as ws:
            await ws.send("mounted")
            assert await ws.recv() == "mounted"

    run(talk())


def test_session_from_an_earlier_request_is_seen_by_build_protocol(ws_site: LiveServer) -> None:
    response = httpx.get(ws_site.url + "/session?name=ann")
    cookie = response.headers["set-cookie"].split(";")[0]
    assert cookie.startswith("TWISTED_SESSION=")

    async def talk() -> None:
        async with connect(
            url(ws_site, "/echo?session=1"), additional_headers={"cookie": cookie}
        ) as ws:
            assert "set-cookie" not in ws.response.headers
            await ws.send("session")
            assert await ws.recv() == "ann"
        # no cookie: getSession() makes a session, and its cookie goes with the 101
        async with connect(url(ws_site, "/echo?session=1")) as ws:
            assert ws.response.headers["set-cookie"].startswith("TWISTED_SESSION=")
            await ws.send("session")
            assert await ws.recv() == "none"

    run(talk())


def test_server_close_code_reaches_the_client(ws_site: LiveServer) -> None:
    tag = tagged("server-close")

    async def talk() -> None:
        async with connect(url(ws_site, f"/echo?tag={tag}")) as ws:
            await ws.send("close:4001:bye")
            with pytest.raises(websockets.ConnectionClosed):
                await ws.recv()
            assert (ws.close_code, ws.close_reason) == (4001, "bye")

    run(talk())
    # the client answered the close: connectionLost got a clean close with its code
    assert wait_for(ws_site, f"lost {tag}") == f"lost {tag} WebSocketClosed 4001 bye"


def test_client_close_calls_connection_lost(ws_site: LiveServer) -> None:
    clean, dropped = tagged("client-close"), tagged("client-drop")

    async def talk() -> None:
        async with connect(url(ws_site, f"/echo?tag={clean}")) as ws:
            await ws.send("x")
            assert await ws.recv() == "x"
            await ws.close(4002, "client done")
        ws = await connect(url(ws_site, f"/echo?tag={dropped}"))
        await ws.send("y")
        assert await ws.recv() == "y"
        ws.transport.abort()  # no close frame

    run(talk())
    assert wait_for(ws_site, f"lost {clean}") == f"lost {clean} WebSocketClosed 4002 client done"
    assert wait_for(ws_site, f"lost {dropped}") == f"lost {dropped} WebSocketLost 1006 "


def test_protocol_ping_gets_pong_received(ws_site: LiveServer) -> None:
    async def talk() -> None:
        async with connect(url(ws_site, "/echo")) as ws:
            await ws.send("ping:abc")  # transport.ping(b"abc"); the client answers
            assert await ws.recv() == "pong:abc"
            await ws.ping(b"from client")  # answered by Albany, not a protocol callback
            await ws.send("after")
            assert await ws.recv() == "after"

    run(talk())


def test_protocol_error_closes_with_1011(ws_site: LiveServer) -> None:
    tag = tagged("fail")

    async def talk() -> None:
        async with connect(url(ws_site, f"/echo?tag={tag}")) as ws:
            await ws.send("fail")
            with pytest.raises(websockets.ConnectionClosed):
                await ws.recv()
            assert ws.close_code == 1011

    run(talk())
    assert wait_for(ws_site, f"lost {tag}") == f"lost {tag} WebSocketClosed 1011 "


def test_http_and_websocket_on_the_same_port(ws_site: LiveServer) -> None:
    async def talk() -> None:
        async with httpx.AsyncClient(base_url=ws_site.url) as http:
            async with connect(url(ws_site, "/echo")) as ws:
                assert (await http.get("/")).text == "ws root"
                await ws.send("still open")
                assert (await http.get("/page")).text == "a page"
                assert await ws.recv() == "still open"
            # a plain GET of the WebSocket resource: twisted.web's own answer
            response = await http.get("/echo")
            assert response.status_code == 400
            assert response.text == "websocket protocol negotiation error"

    run(talk())


def test_push_producer_is_paused_by_a_slow_client(ws_site: LiveServer) -> None:
    tag = tagged("produce")
    count, size = 512, 65536  # 32 MiB: more than the socket buffers hold

    async def talk() -> None:
        async with connect(
            url(ws_site, f"/produce?tag={tag}&count={count}&size={size}"),
            max_queue=1,
            compression=None,
        ) as ws:
            # the client reads nothing until the producer has been paused
            paused = await asyncio.to_thread(wait_for, ws_site, f"paused {tag}", 20)
            assert paused is not None, events(ws_site)[-5:]
            for index in range(count):
                message = await ws.recv()
                assert len(message) == size
                assert message[:8] == b"%08d" % index
            assert await ws.recv() == "end"

    run(talk())
    assert wait_for(ws_site, f"done {tag}") == f"done {tag}"

"""Real WebSocket clients against every loop: websockets, aiohttp's client, autobahn's client."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

import httpx
import pytest

from albany.testing import LiveServer
from tests.websocket.conftest import ws_url

websockets = pytest.importorskip("websockets")
aiohttp = pytest.importorskip("aiohttp")


def test_websockets_client(echo_server: LiveServer) -> None:
    from websockets.asyncio.client import connect

    async def talk() -> None:
        async with connect(ws_url(echo_server, "/lib"), subprotocols=["chat"]) as ws:  # type: ignore[list-item]
            assert ws.subprotocol == "chat"
            assert ws.response is not None
            assert ws.response.headers["x-albany"] == "yes"
            assert "permessage-deflate" in ws.response.headers["sec-websocket-extensions"]
            for message in ("text", b"bytes", "", b"", "é" * 5000, bytes(range(256)) * 4096):
                await ws.send(message)
                assert await ws.recv() == message
            await ws.send([b"frag", b"mented"])  # one message in fragments
            assert await ws.recv() == b"fragmented"
            await ws.ping(b"are you there")  # websockets waits for the pong
            await asyncio.wait_for(ws.ping(), 5)
            await ws.send("close:4003:done")
            with pytest.raises(websockets.ConnectionClosed):
                await ws.recv()
            assert ws.close_code == 4003
            assert ws.close_reason == "done"

    asyncio.run(talk())


def test_control_frames_through_the_extension(echo_server: LiveServer) -> None:
    from websockets.asyncio.client import connect

    async def talk() -> None:
        async with connect(ws_url(echo_server, "/control"), ping_interval=None) as ws:
            # the client answered the app's ping by itself; the app reports the pong
            assert await asyncio.wait_for(ws.recv(), 5) == "pong:from-app"
            pong = await ws.ping(b"from-client")  # answered by the server, reported by the app
            await asyncio.wait_for(pong, 5)
            assert await asyncio.wait_for(ws.recv(), 5) == "ping:from-client"

    asyncio.run(talk())


def test_websockets_client_without_compression(echo_server: LiveServer) -> None:
    from websockets.asyncio.client import connect

    async def talk() -> None:
        async with connect(ws_url(echo_server, "/plain"), compression=None) as ws:
            assert ws.response is not None
            assert "sec-websocket-extensions" not in ws.response.headers
            await ws.send(b"x" * 100000)
            assert await ws.recv() == b"x" * 100000

    asyncio.run(talk())


def test_websockets_client_sees_denial(echo_server: LiveServer) -> None:
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidStatus

    async def talk() -> None:
        with pytest.raises(InvalidStatus) as raised:
            async with connect(ws_url(echo_server, "/deny")):
                pass
        assert raised.value.response.status_code == 401
        assert raised.value.response.body == b"denied here"

    asyncio.run(talk())


def test_aiohttp_client(echo_server: LiveServer) -> None:
    async def talk() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(
                ws_url(echo_server, "/aiohttp"), protocols=("chat",), compress=15
            ) as ws:
                assert ws.protocol == "chat"
                assert ws.compress == 15
                await ws.send_str("hello")
                assert (await ws.receive_str()) == "hello"
                await ws.send_bytes(b"\x00" * 70000)
                assert (await ws.receive_bytes()) == b"\x00" * 70000
                # plain HTTP on the same port while the session is open
                async with session.get(echo_server.url + "/aiohttp") as response:
                    assert (await response.text()).startswith("http /aiohttp on ")
                await ws.send_str("close:4004:from app")
                message = await ws.receive()
                assert message.type == aiohttp.WSMsgType.CLOSE
                assert ws.close_code == 4004

    asyncio.run(talk())


_AUTOBAHN_CLIENT = """
import asyncio, sys
from autobahn.asyncio.websocket import WebSocketClientFactory, WebSocketClientProtocol

got = []

class Client(WebSocketClientProtocol):
    def onOpen(self):
        self.sendMessage("hello autobahn".encode(), isBinary=False)
        self.sendMessage(b"\\x01\\x02", isBinary=True)

    def onMessage(self, payload, isBinary):
        got.append((payload, isBinary))
        if len(got) == 2:
            self.sendClose(1000, "bye")

    def onClose(self, wasClean, code, reason):
        print(got, wasClean, code)
        asyncio.get_event_loop().stop()

async def main():
    loop = asyncio.get_running_loop()
    factory = WebSocketClientFactory(sys.argv[1])
    factory.protocol = Client
    factory.setProtocolOptions(perMessageCompressionOffers=[])
    await loop.create_connection(factory, "127.0.0.1", int(sys.argv[2]))

loop = asyncio.new_event_loop()
loop.run_until_complete(main())
loop.call_later(10, loop.stop)
loop.run_forever()
"""


def test_autobahn_client(echo_server: LiveServer) -> None:
    pytest.importorskip("autobahn")
    # In its own process: autobahn.asyncio switches txaio to asyncio for the whole process.
    result = subprocess.run(
        [sys.executable, "-c", _AUTOBAHN_CLIENT, ws_url(echo_server, "/ab"), str(echo_server.port)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (
        result.stdout.strip() == "[(b'hello autobahn', False), (b'\\x01\\x02', True)] True 1000"
    ), result.stdout + result.stderr


def test_many_sessions_and_http_together(echo_server: LiveServer) -> None:
    from websockets.asyncio.client import connect

    async def session(n: int) -> None:
        async with connect(ws_url(echo_server, f"/many/{n}")) as ws:
            for i in range(20):
                await ws.send(f"{n}:{i}")
                assert await ws.recv() == f"{n}:{i}"

    async def requests(client: httpx.AsyncClient) -> None:
        for _ in range(20):
            response = await client.get(echo_server.url + "/many/http")
            assert response.text.startswith("http /many/http on ")

    async def everything() -> None:
        async with httpx.AsyncClient() as client:
            started = time.monotonic()
            await asyncio.gather(*(session(n) for n in range(20)), requests(client))
            assert time.monotonic() - started < 30

    asyncio.run(everything())

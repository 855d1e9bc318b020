"""``albany_tornado.HTTPServer`` (the one-import change) serves ``WebSocketHandler``s too.

The server runs in the test's own loop, on the Albany backends that share it: asyncio
(on the stdlib loop and on uvloop) and Tornado.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Coroutine

import httpx
import pytest
from tornado.netutil import bind_sockets

from albany_tornado import HTTPServer
from tests.adapters.tornado import ws_app
from tests.adapters.tornado.test_websocket import closed, recv

websockets = pytest.importorskip("websockets")


def run_on(loop_name: str, main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    if loop_name == "uvloop":
        uvloop = pytest.importorskip("uvloop")
        uvloop.run(main())
    else:
        asyncio.run(main())


@pytest.mark.parametrize(
    ("backend", "loop_name"),
    [("asyncio", "asyncio"), ("asyncio", "uvloop"), ("tornado", "asyncio")],
)
def test_dropin_server_serves_websocket_handlers(backend: Any, loop_name: str) -> None:
    from websockets.asyncio.client import connect

    async def main() -> None:
        server = HTTPServer(ws_app.make_application(), backend=backend)
        sockets = bind_sockets(0, "127.0.0.1")
        server.add_sockets(sockets)
        base = f"127.0.0.1:{sockets[0].getsockname()[1]}"
        try:
            async with connect(f"ws://{base}/ws/info/drop/1", subprotocols=["chat"]) as ws:  # type: ignore[list-item]
                assert ws.subprotocol == "chat"
                assert '"args": ["drop", "1"]' in await recv(ws)
            async with connect(f"ws://{base}/ws/echo") as ws:
                await ws.send(b"binary")
                assert await recv(ws) == b"binary"
            async with connect(f"ws://{base}/ws/commands/dropin") as ws:
                await ws.send("close 4020 dropped")
                assert await closed(ws) == (4020, "dropped")
            async with httpx.AsyncClient() as http:
                assert (await http.get(f"http://{base}/")).text == "hello over http"
        finally:
            server.stop()
            await asyncio.wait_for(server.close_all_connections(), 15)

    run_on(loop_name, main)


@pytest.mark.parametrize(
    ("backend", "loop_name"),
    [("asyncio", "asyncio"), ("asyncio", "uvloop"), ("tornado", "asyncio")],
)
def test_close_all_connections_waits_for_the_sessions_to_end(backend: Any, loop_name: str) -> None:
    from websockets.asyncio.client import connect

    name = f"dropin{backend}{loop_name}".replace("_", "")

    async def main() -> None:
        server = HTTPServer(ws_app.make_application(), backend=backend)
        sockets = bind_sockets(0, "127.0.0.1")
        server.add_sockets(sockets)
        ws = await connect(f"ws://127.0.0.1:{sockets[0].getsockname()[1]}/ws/gated/{name}")
        await ws.send("held")  # on_message waits at the gate
        await asyncio.wait_for(_until(f"gated {name} held"), 15)
        ws.transport.abort()  # the client is gone, the session is not over yet
        server.stop()
        stopped = list(server._stopping)
        closing = asyncio.ensure_future(server.close_all_connections())
        await asyncio.wait(stopped)  # every connection is closed
        for _ in range(5):
            await asyncio.sleep(0)
        assert not closing.done()  # the session is still being served
        ws_app.GATES[name].set()
        await asyncio.wait_for(closing, 15)
        assert f"gated {name} closed" in ws_app.EVENTS  # on_close ran before it returned

    run_on(loop_name, main)


async def _until(event: str) -> None:
    """Let the loop run until ``event`` is among ``ws_app.EVENTS``."""
    while event not in ws_app.EVENTS:
        await asyncio.sleep(0)

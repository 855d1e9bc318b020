"""The drop-in ``albany_twisted_web.Site`` under ``reactor.listenTCP`` serves WebSocket too.

Not a per-loop test: the server process runs its own reactor (epoll, or asyncio).
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Iterator

import httpx
import pytest

from albany.testing import LiveServer
from tests.adapters.twisted_web.test_differential import wait_for
from tests.adapters.twisted_web.test_websocket import WS_SITE, tagged, url
from tests.conftest import ROOT_DIR

pytest.importorskip("twisted.web.websocket", reason="Twisted without twisted.web.websocket")
websockets = pytest.importorskip("websockets")

from websockets.asyncio.client import connect  # noqa: E402


class DropInServer(LiveServer):
    """``python -m tests.adapters.twisted_web.ws_site``: ``Site(root)`` on a reactor."""

    def __init__(self, reactor: str) -> None:
        env = {"PYTHONPATH": ROOT_DIR + os.pathsep + os.environ.get("PYTHONPATH", "")}
        super().__init__(WS_SITE, "twisted", env=env)
        self.reactor = reactor

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "tests.adapters.twisted_web.ws_site",
            "--reactor",
            self.reactor,
        ]


@pytest.fixture(scope="module", params=["epoll", "asyncio"])
def dropin_site(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    server = DropInServer(request.param).start()
    yield server
    server.stop()


def test_dropin_site_serves_websocket_resources(dropin_site: LiveServer) -> None:
    tag = tagged("dropin")

    async def talk() -> None:
        async with connect(url(dropin_site, f"/echo?tag={tag}"), subprotocols=["chat"]) as ws:  # type: ignore[list-item]
            assert ws.subprotocol == "chat"
            await ws.send("over listenTCP")
            assert await ws.recv() == "over listenTCP"
            await ws.send(b"")
            assert await ws.recv() == b""
            await ws.send("ping:dropin")
            assert await ws.recv() == "pong:dropin"
            await ws.send("close:4010:done")
            with pytest.raises(websockets.ConnectionClosed):
                await ws.recv()
            assert ws.close_code == 4010
        with pytest.raises(websockets.InvalidStatus) as raised:
            async with connect(url(dropin_site, "/reject")):
                pass
        assert raised.value.response.status_code == 401

    asyncio.run(asyncio.wait_for(talk(), 30))
    assert httpx.get(dropin_site.url + "/").text == "ws root"
    assert wait_for(dropin_site, f"lost {tag}") == f"lost {tag} WebSocketClosed 4010 done"

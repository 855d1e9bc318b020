"""An autobahn ``WebSocketResource`` in a twisted.web tree, handed to ``albany_autobahn``."""

from __future__ import annotations

import asyncio
import importlib.util
from typing import Any

import httpx
import pytest

from albany.testing import LiveServer
from tests.adapters.twisted_web.test_websocket import url

websockets = pytest.importorskip("websockets")
if (
    importlib.util.find_spec("autobahn") is None
    or importlib.util.find_spec("albany_autobahn") is None
):
    pytest.skip("needs autobahn and albany_autobahn", allow_module_level=True)

from websockets.asyncio.client import connect  # noqa: E402


def test_autobahn_resource_in_the_tree(server_pool: Any, loop: str) -> None:
    server: LiveServer = server_pool.get("tests.adapters.twisted_web.ws_autobahn_site:root", loop)

    async def talk() -> None:
        async with connect(url(server, "/nested/echo")) as ws:
            await ws.send("through the tree")
            assert await ws.recv() == "through the tree"
            await ws.send(b"")
            assert await ws.recv() == b""

    asyncio.run(asyncio.wait_for(talk(), 30))
    assert httpx.get(server.url + "/").text == "autobahn tree"

"""A bare autobahn factory given to the ``albany`` command is recognised and served."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from albany.testing import LiveServer
from tests.adapters.autobahn.conftest import MODULES, ws_url
from tests.conftest import ROOT_DIR, ServerPool


def test_a_bare_factory_is_served(server_pool: ServerPool, loop: str, flavour: str) -> None:
    from websockets.asyncio.client import connect

    server: LiveServer = server_pool.get(MODULES[flavour] + ":echo", loop)

    async def talk() -> None:
        async with connect(ws_url(server, "/anywhere")) as ws:
            await ws.send("hello")
            assert await asyncio.wait_for(ws.recv(), 10) == "hello"

    asyncio.run(talk())


@pytest.mark.parametrize(
    "flavour_module", ["autobahn.twisted.websocket", "autobahn.asyncio.websocket"]
)
def test_detection_names_the_autobahn_interface(flavour_module: str) -> None:
    # in a process of its own: importing an autobahn flavour switches txaio for the process
    code = (
        f"import {flavour_module} as w\n"
        "from albany.app_kinds import detect_interface\n"
        "class Mine(w.WebSocketServerFactory): pass\n"
        "print(detect_interface(w.WebSocketServerFactory()), detect_interface(Mine()))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT_DIR, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["autobahn", "autobahn"], result.stderr

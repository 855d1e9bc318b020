"""Fixtures of the autobahn adapter tests: the test factories served by Albany on ``loop``.

Each flavour's factories live in their own server process: a process can import
``autobahn.twisted`` or ``autobahn.asyncio``, not both (txaio's framework is global).
The test process imports neither; autobahn's own client runs in a subprocess.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any, Callable

import pytest

from albany.testing import LiveServer
from tests.conftest import ServerPool

pytest.importorskip("autobahn")
pytest.importorskip("twisted")
pytest.importorskip("websockets")

MODULES = {
    "twisted": "tests.adapters.autobahn.twisted_factories",
    "asyncio": "tests.adapters.autobahn.asyncio_factories",
}


@pytest.fixture(params=sorted(MODULES))
def flavour(request: pytest.FixtureRequest) -> str:
    """``twisted`` (autobahn.twisted factories) or ``asyncio`` (autobahn.asyncio's)."""
    name: str = request.param
    return name


@pytest.fixture
def factories(server_pool: ServerPool, loop: str, flavour: str) -> LiveServer:
    """The ``flavour``'s factories, mounted at /echo, /auto, /limited, /stream, on ``loop``."""
    return server_pool.get(MODULES[flavour] + ":app", loop)


def ws_url(server: LiveServer, path: str) -> str:
    return f"ws://{server.host}:{server.port}{path}"


async def events(server: LiveServer) -> list[list[Any]]:
    """What the server's protocols recorded, asked over a connection of its own."""
    from websockets.asyncio.client import connect

    async with connect(ws_url(server, "/echo/events")) as ws:
        await ws.send("events")
        answer = await asyncio.wait_for(ws.recv(), 10)
    recorded: list[list[Any]] = json.loads(answer)
    return recorded


async def wait_for_event(
    server: LiveServer, wanted: Callable[[list[Any]], bool], timeout: float = 10.0
) -> list[Any]:
    """The first recorded event ``wanted`` accepts, asking again until ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        for event in await events(server):
            if wanted(event):
                return event
        if time.monotonic() > deadline:
            raise AssertionError(f"no such event; the last ones: {(await events(server))[-20:]}")
        await asyncio.sleep(0.05)

"""Fixtures for the aiohttp adapter: the service served through Albany on ``loop``."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from albany.testing import LiveServer
from tests.conftest import ServerPool

pytest.importorskip("aiohttp")

SERVICE = "tests.adapters.aiohttp.service:make_app"
CANCELLING_SERVICE = "tests.adapters.aiohttp.service:make_cancelling_app"


@pytest.fixture
def service(server_pool: ServerPool, loop: str) -> LiveServer:
    """The test service through Albany on ``loop``, shared across tests."""
    return server_pool.get(SERVICE, loop, "--factory")


@pytest.fixture
def cancelling_service(server_pool: ServerPool, loop: str) -> LiveServer:
    """The service with aiohttp's ``handler_cancellation`` on."""
    return server_pool.get(CANCELLING_SERVICE, loop, "--factory")


def events(server: LiveServer) -> list[str]:
    result: list[str] = json.loads(httpx.get(server.url + "/events").text)
    return result


def wait_for_event(server: LiveServer, event: str, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if event in events(server):
            return True
        time.sleep(0.05)
    return False

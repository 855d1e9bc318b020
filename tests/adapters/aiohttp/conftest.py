"""Fixtures for the aiohttp adapter: the service served through Albany on ``loop``."""

from __future__ import annotations

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

"""Fixtures of the WebSocket suite: the echo app served on each loop, shared by the tests."""

from __future__ import annotations

import pytest

from albany.testing import LiveServer


@pytest.fixture
def echo_server(server_pool: object, loop: str) -> LiveServer:
    """``tests.websocket.apps:echo`` on ``loop``, shared across tests."""
    server: LiveServer = server_pool.get("tests.websocket.apps:echo", loop)  # type: ignore[attr-defined]
    return server


def ws_url(server: LiveServer, path: str = "/") -> str:
    return f"ws://{server.host}:{server.port}{path}"

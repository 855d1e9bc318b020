"""A GET with ``Upgrade: websocket`` that is no valid handshake: a plain request, as in Tornado."""

from __future__ import annotations

from typing import Any

import pytest

from albany.testing import LiveServer
from tests.contract.raw import ResponseReader, connect

APP = "tests.adapters.tornado.ws_app:app"
UPGRADE = "Upgrade: websocket\r\nConnection: Upgrade\r\n"


@pytest.fixture
def ws_server(server_pool: Any, loop: str) -> LiveServer:
    server: LiveServer = server_pool.get(APP, loop)
    return server


def test_an_ordinary_handler_serves_it_and_the_connection_stays(ws_server: LiveServer) -> None:
    with connect(ws_server) as sock:
        for _ in range(2):  # keep-alive: the connection is still HTTP
            sock.sendall(f"GET / HTTP/1.1\r\nHost: a\r\n{UPGRADE}\r\n".encode())
            response = ResponseReader(sock).read()
            assert response.status == 200
            assert response.body == b"hello over http"


@pytest.mark.parametrize(
    ("fields", "status"),
    [("Sec-WebSocket-Version: 13\r\n", 400), ("Sec-WebSocket-Version: 12\r\n", 426)],
)
def test_a_websocket_handler_answers_it_as_tornado_does(
    ws_server: LiveServer, fields: str, status: int
) -> None:
    with connect(ws_server) as sock:
        sock.sendall(f"GET /ws/echo HTTP/1.1\r\nHost: a\r\n{UPGRADE}{fields}\r\n".encode())
        response = ResponseReader(sock).read()
    assert response.status == status
    if status == 426:  # the versions the installed Tornado's handler lists (6.3: "7, 8, 13")
        assert response.header("sec-websocket-version") == tornados_websocket_versions()


def tornados_websocket_versions() -> str:
    """The ``Sec-WebSocket-Version`` value Tornado's ``WebSocketHandler.get`` answers 426 with."""
    import inspect
    import re

    from tornado.websocket import WebSocketHandler

    source = inspect.getsource(WebSocketHandler.get)
    [value] = re.findall(r'"Sec-WebSocket-Version", "([^"]+)"', source)
    return value

"""``body_timeout``: a client that stops sending in the middle of a body is cut off."""

from __future__ import annotations

from typing import Any

import pytest

from albany.testing import LiveServer
from tests.adapters.tornado.test_connection_close import until_closed
from tests.contract.raw import ResponseReader, connect

APP = "tests.adapters.tornado.webapp:body_timeout_app"


@pytest.fixture
def server(server_pool: Any, loop: str) -> LiveServer:
    live: LiveServer = server_pool.get(APP, loop)
    return live


@pytest.mark.parametrize("path", ["/echo", "/upload"])  # a whole body, and a streamed one
def test_a_stalled_body_is_answered_408_and_closed(server: LiveServer, path: str) -> None:
    with connect(server) as sock:
        head = f"PUT {path} HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n"
        sock.sendall(head.encode() + b"x" * 10)  # and nothing more
        received = until_closed(sock)  # the close is the event waited for
    assert received.startswith(b"HTTP/1.1 408 "), received
    assert b"\r\nconnection: close\r\n" in received.lower()


def test_a_body_in_time_is_served_and_the_connection_kept(server: LiveServer) -> None:
    with connect(server) as sock:
        for _ in range(2):
            sock.sendall(b"PUT /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello")
            response = ResponseReader(sock).read()
            assert response.status == 200
            assert b'"size": 5' in response.body

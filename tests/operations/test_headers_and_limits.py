"""Default response headers and --limit-concurrency/--backlog on every loop, over real sockets."""

from __future__ import annotations

import shutil
import socket
import subprocess
from typing import Any

import httpx
import pytest

from albany.testing import LiveServer
from tests.observe import wait_for_output

APP = "tests.operations.app:app"


def test_header_options_add_and_remove_defaults(start_server: Any) -> None:
    server: LiveServer = start_server(
        APP, "--header", "x-team:edge", "--header", "X-Served-By: albany one", "--no-server-header"
    )
    response = httpx.get(server.url + "/")
    assert response.headers["x-team"] == "edge"
    assert response.headers["x-served-by"] == "albany one"
    assert "server" not in response.headers
    assert "date" in response.headers
    second = httpx.get(server.url + "/")  # the same precomputed lines on every response
    assert second.headers.get_list("x-team") == ["edge"]


def test_no_date_header_and_a_server_header_of_ones_own(start_server: Any) -> None:
    server: LiveServer = start_server(APP, "--no-date-header", "--header", "server:edge/2")
    response = httpx.get(server.url + "/")
    assert "date" not in response.headers
    assert response.headers.get_list("server") == ["edge/2"]


@pytest.mark.loops("asyncio")
def test_a_framing_header_is_refused_at_start_up() -> None:
    server = LiveServer(APP, "asyncio", ["--header", "content-length:3"])
    with pytest.raises(RuntimeError):
        server.start(timeout=15)
    assert "albany: error: --header: content-length is set by the server" in server.output()


def _get(sock: socket.socket) -> bytes:
    sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    received = b""
    while b"\r\n\r\n" not in received or not received.endswith((b"ok", b"Unavailable")):
        chunk = sock.recv(65536)
        if not chunk:
            break
        received += chunk
    return received


def test_limit_concurrency_answers_503_and_counts(start_server: Any) -> None:
    server: LiveServer = start_server(APP, "--limit-concurrency", "1")
    address = (server.host, server.port)
    with socket.create_connection(address, timeout=10) as first:
        assert _get(first).startswith(b"HTTP/1.1 200 ")  # kept alive: one connection open
        for attempt in (1, 2):
            with socket.create_connection(address, timeout=10) as over:
                answer = _get(over)
                assert answer.startswith(b"HTTP/1.1 503 "), answer
                assert b"connection: close" in answer
                assert over.recv(1) == b""  # closed after the 503
            line = wait_for_output(server, f"503 sent ({attempt} so far)")
            assert "Over --limit-concurrency 1: 2 connections open" in line
        assert _get(first).startswith(b"HTTP/1.1 200 ")  # the one within the limit goes on
    assert wait_for_output(server, '"GET / HTTP/1.1" 503')
    with socket.create_connection(address, timeout=10) as again:  # the first one is gone
        assert _get(again).startswith(b"HTTP/1.1 200 ")


@pytest.mark.skipif(shutil.which("ss") is None, reason="needs ss (Debian's iproute2)")
def test_backlog_reaches_the_listening_socket(start_server: Any) -> None:
    server: LiveServer = start_server(APP, "--backlog", "77")
    listing = subprocess.run(
        ["ss", "-Hltn", f"sport = :{server.port}"], capture_output=True, text=True, check=True
    ).stdout.split()
    assert listing[0] == "LISTEN" and listing[2] == "77", listing  # Send-Q: the backlog


def test_limit_concurrency_refuses_a_websocket_handshake(start_server: Any) -> None:
    server: LiveServer = start_server("tests.websocket.apps:echo", "--limit-concurrency", "1")
    address = (server.host, server.port)
    with socket.create_connection(address, timeout=10) as first:
        first.sendall(b"GET /plain HTTP/1.1\r\nHost: a\r\n\r\n")
        assert first.recv(65536).startswith(b"HTTP/1.1 ")  # served: one connection open
        with socket.create_connection(address, timeout=10) as upgrade:
            upgrade.sendall(
                b"GET /echo HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
            )
            answer = b""
            while chunk := upgrade.recv(65536):
                answer += chunk
    assert answer.startswith(b"HTTP/1.1 503 "), answer
    assert wait_for_output(server, "503 sent (1 so far)")

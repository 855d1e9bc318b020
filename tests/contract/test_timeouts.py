"""Limits on slow or stuck clients, on every loop: a stalled body, a client that stops
reading, and requests pipelined ahead (``--timeout-body``, ``--timeout-write``,
``--limit-pipelined-requests``)."""

from __future__ import annotations

import select
import socket
import time
from typing import Any

from albany.testing import LiveServer
from tests.contract.raw import ResponseReader, connect, is_closed, read_until_closed
from tests.observe import wait_for_event


def test_a_body_that_stalls_gets_408(start_server: Any) -> None:
    server: LiveServer = start_server("tests.apps.contract:app", "--timeout-body", "0.3")
    with connect(server) as sock:
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n" + b"x" * 10)
        response = ResponseReader(sock).read()  # the client sends nothing more
        assert response.status == 408
        assert is_closed(sock)


def test_a_client_that_stops_reading_is_dropped(start_server: Any) -> None:
    server: LiveServer = start_server("tests.apps.contract:app", "--timeout-write", "0.3")
    tag = f"stuck-{time.monotonic_ns()}"
    size = 256 * 1024 * 1024  # far more than socket buffers hold
    with connect(server, timeout=30) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        sock.sendall(f"GET /big?size={size}&tag={tag} HTTP/1.1\r\nHost: a\r\n\r\n".encode())
        # The client reads nothing: once the write timeout passes, the app's send() fails.
        assert wait_for_event(server, f"big lost {tag}", timeout=30)
        assert len(read_until_closed(sock, timeout=30)) < size


def test_reading_stops_beyond_the_pipelined_requests_limit(start_server: Any) -> None:
    # The held connection's app waits for a disconnect the paused server cannot read, so a
    # short graceful shutdown ends the test's server at once rather than after the default.
    server: LiveServer = start_server(
        "tests.apps.contract:app",
        "--limit-pipelined-requests",
        "4",
        "--timeout-graceful-shutdown",
        "1",
    )
    request = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
    stream = b"GET /wait-disconnect HTTP/1.1\r\nHost: a\r\n\r\n" + request * 2_000_000
    with connect(server) as sock:
        sock.setblocking(False)
        sent = 0
        while sent < len(stream):
            try:
                sent += sock.send(stream[sent : sent + 65536])
            except BlockingIOError:
                # Full: the server has stopped reading, unless it takes more within 2 s.
                _, writable, _ = select.select([], [sock], [], 2.0)
                if not writable:
                    break
        assert sent < len(stream) // 2  # 54 MB offered; held back after some socket buffers

"""Closing in stages (RFC 9112 §9.6) on every loop: answers written before a close survive.

After an error response the server shuts its write side, reads and discards what the client
still sends (for a bounded time and amount, ``--timeout-linger``/``--limit-linger-size``),
then closes; a client still sending when the server closes would otherwise get a reset that
destroys the responses it has not read yet.
"""

from __future__ import annotations

import select
import socket
from typing import Any

import pytest

from albany.testing import LiveServer
from tests.contract.raw import ResponseReader, connect

GET = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
OVERSIZED = b"GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + b"b" * 70000 + b"\r\n\r\n"
JUNK = b"j" * 1024


def _send_ignoring_close(sock: socket.socket, data: bytes) -> None:
    try:
        sock.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server closed: what counts is what the client still reads


def _statuses_until_closed(sock: socket.socket) -> list[int]:
    reader = ResponseReader(sock)
    statuses = []
    try:
        while True:
            statuses.append(reader.read().status)
    except (ConnectionError, IndexError):  # closed (or reset) between or inside responses
        return statuses


def test_error_after_pipelined_responses_survives_junk_that_follows(server: LiveServer) -> None:
    for attempt in range(50):
        with connect(server) as sock:
            sock.sendall(GET * 3 + OVERSIZED)
            for _ in range(8):
                _send_ignoring_close(sock, JUNK)
            assert _statuses_until_closed(sock) == [200, 200, 200, 431], attempt


def test_bad_request_after_a_response_survives_junk_that_follows(server: LiveServer) -> None:
    for attempt in range(20):
        with connect(server) as sock:
            sock.sendall(GET + b"GET / HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n")
            for _ in range(8):
                _send_ignoring_close(sock, JUNK)
            assert _statuses_until_closed(sock) == [200, 400], attempt


@pytest.fixture
def lingering(start_server: Any) -> LiveServer:
    """Lingering bounded to 4 KiB; its time bound out of reach."""
    server: LiveServer = start_server(
        "tests.apps.contract:app", "--limit-linger-size", "4096", "--timeout-linger", "600"
    )
    return server


def test_a_client_that_never_stops_sending_is_closed(lingering: LiveServer) -> None:
    with connect(lingering) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 400 ")
        assert sock.recv(1) == b""  # the write side is shut: end of file
        sent = 0
        with pytest.raises((BrokenPipeError, ConnectionResetError)):
            while sent < 64 * 2**20:  # far beyond the limit: the server must have closed
                sent += sock.send(JUNK)
                # a reset shows in the socket's poll events once it arrives
                poller = select.poll()
                poller.register(sock, select.POLLERR | select.POLLHUP)
                if poller.poll(0):
                    raise ConnectionResetError


def test_lingering_ends_when_the_client_closes(lingering: LiveServer) -> None:
    with connect(lingering) as sock:
        sock.sendall(GET + b"GET / HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n")
        sock.shutdown(socket.SHUT_WR)
        assert _statuses_until_closed(sock) == [200, 400]


def test_lingering_is_bounded_in_time(start_server: Any) -> None:
    server: LiveServer = start_server("tests.apps.contract:app", "--timeout-linger", "0.2")
    with connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 400 ")
        assert sock.recv(1) == b""  # the write side is shut: end of file
        # A byte now and then, far below the size limit: only the time bound ends it. Once
        # the server has closed, the next byte is answered with a reset.
        poller = select.poll()
        poller.register(sock, select.POLLERR | select.POLLHUP)
        with pytest.raises((BrokenPipeError, ConnectionResetError)):
            for _ in range(1200):
                sock.send(b"j")
                if poller.poll(50):
                    raise ConnectionResetError

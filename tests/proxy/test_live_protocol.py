"""PROXY protocol against a real server on every loop: a good header, a malformed one, an
oversize one and none in time. A rejected header closes the connection, nothing answered,
with one log line."""

from __future__ import annotations

import socket
import struct
from typing import Any

import pytest

from albany.testing import LiveServer
from tests.observe import wait_for_output
from tests.proxy.v2 import SIGNATURE

APP = "tests.apps.contract:app"
REQUEST = b"GET /scope HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
REJECTED = "PROXY protocol header from 127.0.0.1:"


def exchange(server: LiveServer, data: bytes) -> bytes:
    """Send ``data``, read until the server closes."""
    with socket.create_connection((server.host, server.port), timeout=30) as raw:
        raw.sendall(data)
        received = b""
        try:
            while chunk := raw.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
        return received


def rejections(server: LiveServer) -> list[str]:
    return [line for line in server.output().splitlines() if REJECTED in line]


def test_a_good_header_then_http(start_server: Any) -> None:
    server: LiveServer = start_server(APP, "--proxy-protocol")
    answer = exchange(server, b"PROXY TCP4 203.0.113.7 192.0.2.1 4711 443\r\n" + REQUEST)
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert b'"client": ["203.0.113.7", 4711]' in answer
    assert rejections(server) == []


@pytest.mark.parametrize(
    "header, reason",
    [
        (b"PROXY TCP4 203.0.113.7 192.0.2.1 4711\r\n", "rejected"),
        (b"GET / HTTP/1.1\r\n", "rejected"),
        (SIGNATURE + bytes([0x21, 0x11]) + struct.pack("!H", 65535), "over the limit"),
    ],
    ids=["missing-field", "no-header", "oversize"],
)
def test_a_malformed_header_closes_with_one_log_line(
    start_server: Any, header: bytes, reason: str
) -> None:
    server: LiveServer = start_server(APP, "--proxy-protocol")
    assert exchange(server, header + REQUEST) == b""  # closed, nothing answered
    line = wait_for_output(server, REJECTED)
    assert reason in line, server.output()
    assert exchange(server, b"PROXY TCP4 203.0.113.8 192.0.2.1 1 2\r\n" + REQUEST).startswith(
        b"HTTP/1.1 200 "
    )  # the server goes on
    assert len(rejections(server)) == 1
    assert "Traceback" not in server.output()


def test_no_header_in_time_closes_with_one_log_line(start_server: Any) -> None:
    server: LiveServer = start_server(APP, "--proxy-protocol", "--timeout-request-header", "0.5")
    assert exchange(server, b"PROXY TCP4 203.0.113.7 19") == b""  # the server gives up
    line = wait_for_output(server, REJECTED)
    assert "no complete header in time" in line, server.output()
    assert len(rejections(server)) == 1

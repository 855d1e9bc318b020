"""Limits and lifespan modes set on the command line, on every loop."""

from __future__ import annotations

import os
from typing import Any

import httpx
import pytest

from albany.testing import LiveServer
from tests.contract.raw import connect, first_status, is_closed


@pytest.fixture
def limited(start_server: Any) -> LiveServer:
    server: LiveServer = start_server(
        "tests.apps.contract:app",
        "--limit-request-line",
        "64",
        "--limit-header-size",
        "256",
        "--limit-header-count",
        "8",
        "--limit-body-size",
        "16",
    )
    return server


def test_request_line_limit_is_414(limited: LiveServer) -> None:
    assert first_status(limited, b"GET /" + b"a" * 80 + b" HTTP/1.1\r\nHost: a\r\n\r\n") == (
        414,
        True,
    )


def test_header_size_limit_is_431(limited: LiveServer) -> None:
    request = b"GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + b"b" * 300 + b"\r\n\r\n"
    assert first_status(limited, request) == (431, True)


def test_header_count_limit_is_431(limited: LiveServer) -> None:
    fields = b"".join(b"X-%d: v\r\n" % i for i in range(10))
    assert first_status(limited, b"GET / HTTP/1.1\r\nHost: a\r\n" + fields + b"\r\n") == (431, True)


def test_body_limit_by_content_length_is_413(limited: LiveServer) -> None:
    request = b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 17\r\n\r\n" + b"x" * 17
    assert first_status(limited, request) == (413, True)


def test_body_limit_while_chunked_body_streams_is_413(limited: LiveServer) -> None:
    with connect(limited) as sock:
        sock.sendall(
            b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"a\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n"
        )
        data = sock.recv(65536)
        assert data.startswith(b"HTTP/1.1 413 "), data
        assert is_closed(sock)


def test_within_limits_is_served(limited: LiveServer) -> None:
    assert httpx.post(limited.url + "/echo", content=b"x" * 16).content == b"x" * 16


def test_factory(start_server: Any) -> None:
    server: LiveServer = start_server("tests.apps.contract:make_app", "--factory")
    assert httpx.get(server.url + "/").text == "Hello, world!"


def test_lifespan_auto_goes_on_when_the_app_has_none(start_server: Any) -> None:
    server: LiveServer = start_server("tests.apps.contract:no_lifespan")
    assert httpx.get(server.url + "/scope").json()["state"] == {}


def test_lifespan_on_fails_when_the_app_has_none(loop: str) -> None:
    server = LiveServer(
        "tests.apps.contract:no_lifespan", loop, ["--lifespan", "on"], app_dir=os.getcwd()
    )
    with pytest.raises(RuntimeError) as failure:
        server.start()
    assert "Application startup failed" in str(failure.value)
    assert "lifespan is not supported here" in str(failure.value)
    assert server.process.returncode == 1

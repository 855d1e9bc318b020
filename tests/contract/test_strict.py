"""Strict HTTP/1.1 end to end, on every loop: framing faults, request lines, methods."""

from __future__ import annotations

import json
from typing import Any

import pytest

from albany.testing import LiveServer
from tests.contract.raw import ResponseReader, connect, first_status, is_closed, read_until_closed

BAD_CHUNK = b"POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nX\r\n"
BAD_TRAILER = (
    b"POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"1\r\nx\r\n0\r\nBad\x00Name: v\r\n\r\n"
)


@pytest.mark.parametrize(
    "first, first_body",
    [
        (b"POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello", b"hello"),
        (b"GET /sleep?s=0.1 HTTP/1.1\r\nHost: h\r\n\r\n", b"slept"),
    ],
    ids=["answered-at-once", "still-running"],
)
@pytest.mark.parametrize("broken", [BAD_CHUNK, BAD_TRAILER], ids=["chunk-size", "trailer-nul"])
def test_pipelined_request_with_a_malformed_body_is_400_and_closes(
    server: LiveServer, first: bytes, first_body: bytes, broken: bytes
) -> None:
    """The echo app answers 200 only if it sees a complete body: it must see a disconnect."""
    with connect(server) as sock:
        sock.sendall(first + broken)
        reader = ResponseReader(sock)
        response = reader.read()
        assert (response.status, response.body) == (200, first_body)
        assert reader.read().status == 400
        assert is_closed(sock)


def test_http_1_0_chunked_keep_alive_closes_after_the_response(server: LiveServer) -> None:
    with connect(server) as sock:
        sock.sendall(
            b"POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n"
            b"2\r\nhi\r\n0\r\n\r\nGET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
        )
        reader = ResponseReader(sock)
        response = reader.read()
        assert (response.status, response.body) == (200, b"hi")
        assert response.header("connection") is None
        assert is_closed(sock)


def test_request_line_without_a_version_is_400(server: LiveServer) -> None:
    assert first_status(server, b"GET /\r\nHost: h\r\n\r\n") == (400, True)


EDGE_TOKEN = b"!#$%&'*+-.^_`|~09AZaz"


@pytest.mark.parametrize("method", [b"OTHER", b"FOO", b"PROPFIND", b"MKCOL", EDGE_TOKEN])
def test_extension_methods_reach_the_app(server: LiveServer, method: bytes) -> None:
    with connect(server) as sock:
        # the second one begins inside the same segment, after the first
        sock.sendall(
            method
            + b" /scope HTTP/1.1\r\nHost: h\r\n\r\n"
            + method
            + b" /scope HTTP/1.1\r\nHost: h\r\n\r\n"
        )
        reader = ResponseReader(sock)
        for _ in range(2):
            response = reader.read()
            assert response.status == 200
            assert json.loads(response.body)["method"] == method.decode()


def test_a_method_that_is_no_token_is_400(server: LiveServer) -> None:
    assert first_status(server, b"F(O / HTTP/1.1\r\nHost: h\r\n\r\n") == (400, True)


def test_reason_phrases_and_the_apps_content_length(start_server: Any) -> None:
    server: LiveServer = start_server("tests.contract.strict_app:app")

    def status_line(target: str) -> bytes:
        with connect(server) as sock:
            sock.sendall(b"GET %s HTTP/1.1\r\nHost: h\r\n\r\n" % target.encode())
            return read_until_closed(sock, timeout=0.5).split(b"\r\n", 1)[0]

    assert status_line("/reason?r=Quite%09Fine%20%E9") == b"HTTP/1.1 200 Quite\tFine \xe9"
    for bad in ("r=Bad%0D%0AX-Injected:%201", "r=nul%00", "r=esc%1B", "u=%E2%82%AC"):
        assert status_line(f"/reason?{bad}") == b"HTTP/1.1 500 Internal Server Error"
    for bad in ("%2B2", "1_0", "foo", "%202", "-2", "2,3"):
        assert status_line(f"/length?v={bad}") == b"HTTP/1.1 500 Internal Server Error"
    assert status_line("/length?v=2,2") == b"HTTP/1.1 200 OK"

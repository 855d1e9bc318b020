"""HTTP/1.1 end to end, on every loop: real sockets on 127.0.0.1, httpx and raw bytes."""

from __future__ import annotations

import httpx
import pytest

from albany.testing import LiveServer
from tests.contract.raw import (
    ResponseReader,
    connect,
    exchange,
    first_status,
    is_closed,
    read_until_closed,
)


def test_hello_world(server: LiveServer) -> None:
    response = httpx.get(server.url + "/")
    assert response.status_code == 200
    assert response.text == "Hello, world!"
    assert response.headers["content-length"] == "13"
    assert response.headers["content-type"] == "text/plain"
    assert response.headers["server"] == "albany"
    assert response.headers["date"].endswith(" GMT")


def test_scope_paths_are_decoded_and_raw_kept(server: LiveServer) -> None:
    response = httpx.get(server.url + "/scope/a%20b/%E2%9C%93?x=1&y=%20")
    scope = response.json()
    assert scope["path"] == "/scope/a b/\u2713"
    assert scope["raw_path"] == "/scope/a%20b/%E2%9C%93"
    assert scope["query_string"] == "x=1&y=%20"
    assert scope["method"] == "GET"
    assert scope["http_version"] == "1.1"
    assert scope["scheme"] == "http"
    assert scope["root_path"] == ""
    assert scope["server"] == ["127.0.0.1", server.port]
    assert scope["client"][0] == "127.0.0.1"


def test_header_names_lowered_and_values_stripped(server: LiveServer) -> None:
    [response] = exchange(
        server, b"GET /scope HTTP/1.1\r\nHost: a\r\nX-Padded:   value with  spaces \t \r\n\r\n"
    )
    import json

    headers = json.loads(response.body)["headers"]
    assert ["x-padded", "value with  spaces"] in headers
    assert ["host", "a"] in headers


def test_keep_alive_serves_many_requests_on_one_connection(server: LiveServer) -> None:
    with connect(server) as sock:
        reader = ResponseReader(sock)
        for _ in range(3):
            sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
            response = reader.read()
            assert response.status == 200
            assert response.body == b"Hello, world!"
        assert not is_closed(sock, timeout=0.2)


def test_pipelined_responses_come_in_order(server: LiveServer) -> None:
    requests = (
        b"GET /sleep?s=0.2 HTTP/1.1\r\nHost: a\r\n\r\n"
        b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nfirst"
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
        b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"6\r\nsecond\r\n0\r\n\r\n"
    )
    responses = exchange(server, requests, count=4)
    assert [r.body for r in responses] == [b"slept", b"first", b"Hello, world!", b"second"]


def test_http10_gets_close_delimited_stream_never_chunked(server: LiveServer) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET /stream?n=3&size=4 HTTP/1.0\r\n\r\n")
        data = read_until_closed(sock)
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert b"transfer-encoding" not in head.lower()
    assert body == b"aaaabbbbcccc"


def test_http10_keep_alive_when_asked(server: LiveServer) -> None:
    with connect(server) as sock:
        reader = ResponseReader(sock)
        for _ in range(2):
            sock.sendall(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            response = reader.read()
            assert response.header("connection") == "keep-alive"
            assert response.body == b"Hello, world!"


def test_http10_without_host_is_accepted(server: LiveServer) -> None:
    status, closed = first_status(server, b"GET / HTTP/1.0\r\n\r\n")
    assert status == 200 and closed


def test_chunked_request_body(server: LiveServer) -> None:
    def body():  # type: ignore[no-untyped-def]
        yield b"hello "
        yield b"chunked "
        yield b"world"

    response = httpx.post(server.url + "/echo", content=body())
    assert response.content == b"hello chunked world"


def test_chunk_extensions_and_trailers_tolerated(server: LiveServer) -> None:
    [response] = exchange(
        server,
        b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;name=value\r\nhello\r\n0\r\nX-Trailer: yes\r\n\r\n",
    )
    assert response.status == 200 and response.body == b"hello"


def test_streamed_response_is_chunked(server: LiveServer) -> None:
    [response] = exchange(server, b"GET /stream?n=4&size=3 HTTP/1.1\r\nHost: a\r\n\r\n")
    assert response.header("transfer-encoding") == "chunked"
    assert response.body == b"aaabbbcccddd"


def test_streamed_response_with_content_length(server: LiveServer) -> None:
    response = httpx.get(server.url + "/length?size=10")
    assert response.headers["content-length"] == "10"
    assert "transfer-encoding" not in response.headers
    assert response.content == b"x" * 10


def test_large_request_body_echoed(server: LiveServer) -> None:
    payload = bytes(range(256)) * 8192  # 2 MiB
    response = httpx.post(server.url + "/echo", content=payload, timeout=30)
    assert response.content == payload


def test_head_never_carries_body(server: LiveServer) -> None:
    with connect(server) as sock:
        reader = ResponseReader(sock)
        sock.sendall(b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\n")
        head = reader.read(head=True)
        assert head.status == 200
        assert head.header("content-length") == "13"
        sock.sendall(b"HEAD /stream HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")
        streamed = reader.read(head=True)
        assert streamed.header("transfer-encoding") is None
        after = reader.read()
        assert after.body == b"Hello, world!"  # no stray body bytes came before it


@pytest.mark.parametrize("code", [204, 304])
def test_no_body_statuses(server: LiveServer, code: int) -> None:
    response, after = exchange(
        server,
        f"GET /status?code={code} HTTP/1.1\r\nHost: a\r\n\r\n"
        "GET / HTTP/1.1\r\nHost: a\r\n\r\n".encode(),
        count=2,
    )
    assert response.status == code
    assert response.header("content-length") is None
    assert after.body == b"Hello, world!"


def test_expect_100_continue_sent_when_app_reads(server: LiveServer) -> None:
    with connect(server) as sock:
        sock.sendall(
            b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"
        )
        reader = ResponseReader(sock)
        interim = reader.read()
        assert interim.status == 100
        sock.sendall(b"data")
        final = reader.read()
        assert final.status == 200 and final.body == b"data"


def test_expect_100_continue_not_sent_when_app_does_not_read(server: LiveServer) -> None:
    with connect(server) as sock:
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"
        )
        response = ResponseReader(sock).read()
        assert response.status == 200
        assert response.header("connection") == "close"
        assert is_closed(sock)


def test_absolute_form_target(server: LiveServer) -> None:
    import json

    [response] = exchange(
        server, b"GET http://example.com/scope/x%2Fy?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n"
    )
    scope = json.loads(response.body)
    assert scope["path"] == "/scope/x/y"
    assert scope["raw_path"] == "/scope/x%2Fy"
    assert scope["query_string"] == "q=1"


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\nabc",
        b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\nX-Bad: a\x01b\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\nX-Fold: a\r\n b\r\n\r\n",
        b"GET / HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    ],
    ids=[
        "cl+te",
        "two-cl",
        "te-gzip",
        "te-gzip-chunked",
        "bad-name",
        "bad-value",
        "obs-fold",
        "no-host",
        "two-hosts",
    ],
)
def test_bad_framing_is_400_and_close(server: LiveServer, request_bytes: bytes) -> None:
    assert first_status(server, request_bytes) == (400, True)


def test_error_after_pipelined_good_request_comes_after_its_response(server: LiveServer) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET /sleep?s=0.1 HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\n\r\n")
        reader = ResponseReader(sock)
        assert reader.read().body == b"slept"
        assert reader.read().status == 400
        assert is_closed(sock)


def test_app_error_before_response_is_500(server: LiveServer) -> None:
    response = httpx.get(server.url + "/error-before")
    assert response.status_code == 500
    assert response.text == "Internal Server Error"


def test_app_returning_without_response_is_500(server: LiveServer) -> None:
    assert httpx.get(server.url + "/no-response").status_code == 500


def test_app_error_after_response_started_closes_connection(server: LiveServer) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET /error-after HTTP/1.1\r\nHost: a\r\n\r\n")
        data = read_until_closed(sock)
    assert data.startswith(b"HTTP/1.1 200 OK")
    assert b"partial" in data
    assert not data.endswith(b"0\r\n\r\n")  # the chunked body was never completed


def test_server_survives_app_errors(server: LiveServer) -> None:
    for path in ("/error-before", "/error-after", "/no-response"):
        try:
            httpx.get(server.url + path)
        except httpx.HTTPError:
            pass
    assert httpx.get(server.url + "/").text == "Hello, world!"

"""An aiohttp application through Albany, on every loop: responses, errors, disconnects."""

from __future__ import annotations

import socket
import time

import httpx

from albany.testing import LiveServer
from tests.adapters.aiohttp.service import DATA
from tests.contract.raw import ResponseReader, connect, exchange, read_until_closed
from tests.observe import events, wait_for_event


def test_stream_response_is_chunked(service: LiveServer) -> None:
    [response] = exchange(service, b"GET /stream?chunks=4&size=3 HTTP/1.1\r\nHost: a\r\n\r\n")
    assert response.status == 200
    assert response.header("transfer-encoding") == "chunked"
    assert response.header("x-stream") == "yes"
    assert response.body == b"000111222333"


def test_stream_response_http_1_0_is_close_delimited(service: LiveServer) -> None:
    with connect(service) as sock:
        sock.sendall(b"GET /stream?chunks=2&size=2 HTTP/1.0\r\n\r\n")
        data = read_until_closed(sock)
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"chunked" not in head.lower()
    assert body == b"0011"


def test_response_back_pressure(service: LiveServer) -> None:
    tag = f"bp-{time.monotonic_ns()}"
    size = 64 * 1024 * 1024
    with connect(service) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        sock.sendall(f"GET /big?size={size}&tag={tag} HTTP/1.1\r\nHost: a\r\n\r\n".encode())
        time.sleep(1.0)
        assert f"big sent {tag}" not in events(service)
        received = 0
        sock.settimeout(30)
        while received < size:
            data = sock.recv(1 << 20)
            if not data:
                break
            received += len(data)
    assert received >= size
    assert wait_for_event(service, f"big sent {tag}")


def test_head_keeps_content_length(service: LiveServer) -> None:
    [response] = exchange(service, b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", head=True)
    assert response.status == 200
    assert response.header("content-length") == "13"
    with connect(service) as sock:  # no body bytes follow the head: the next response parses
        sock.sendall(b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")
        reader = ResponseReader(sock)
        assert reader.read(head=True).status == 200
        assert reader.read().body == b"Hello, world!"


def test_json_response_and_compression(service: LiveServer) -> None:
    response = httpx.get(service.url + "/compressed", headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert int(response.headers["content-length"]) < 2200
    assert response.text == "squeeze me " * 200
    plain = httpx.get(service.url + "/compressed", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers and len(plain.content) == 2200


def test_file_response_full_range_and_conditional(service: LiveServer) -> None:
    full = httpx.get(service.url + "/file")
    assert full.status_code == 200 and full.content == DATA
    assert full.headers["accept-ranges"] == "bytes"
    etag, modified = full.headers["etag"], full.headers["last-modified"]

    part = httpx.get(service.url + "/file", headers={"range": "bytes=1000-1999"})
    assert part.status_code == 206 and part.content == DATA[1000:2000]
    assert part.headers["content-range"] == f"bytes 1000-1999/{len(DATA)}"
    tail = httpx.get(service.url + "/file", headers={"range": "bytes=-10"})
    assert tail.content == DATA[-10:]
    outside = httpx.get(service.url + "/file", headers={"range": "bytes=999999-"})
    assert outside.status_code == 416

    assert httpx.get(service.url + "/file", headers={"if-none-match": etag}).status_code == 304
    since = httpx.get(service.url + "/file", headers={"if-modified-since": modified})
    assert since.status_code == 304 and since.content == b""
    assert httpx.get(service.url + "/file", headers={"if-match": '"other"'}).status_code == 412


def test_http_exceptions(service: LiveServer) -> None:
    found = httpx.get(service.url + "/redirect")
    assert (found.status_code, found.headers["location"]) == (302, "/")
    missing = httpx.get(service.url + "/missing")
    assert (missing.status_code, missing.text) == (404, "no such thing")
    bad = httpx.get(service.url + "/bad")
    assert (bad.status_code, bad.text, bad.headers["x-why"]) == (
        400,
        "bad, with headers",
        "because",
    )
    assert httpx.get(service.url + "/empty").status_code == 204


def test_handler_error_is_aiohttp_500(service: LiveServer) -> None:
    [response] = exchange(service, b"GET /crash HTTP/1.1\r\nHost: a\r\n\r\n")
    assert response.status == 500
    assert response.body == b"500 Internal Server Error\n\nServer got itself in trouble"
    assert response.header("connection") == "close"


def test_error_after_response_started_cuts_it_short(service: LiveServer) -> None:
    with connect(service) as sock:
        sock.sendall(b"GET /crash-midway HTTP/1.1\r\nHost: a\r\n\r\n")
        data = read_until_closed(sock)
    assert data.startswith(b"HTTP/1.1 200 ")
    assert b"partial" in data
    assert not data.endswith(b"0\r\n\r\n")


def test_sub_app_and_middlewares(service: LiveServer) -> None:
    index = httpx.get(service.url + "/sub/")
    assert index.json() == {"sub": True, "item": None}
    assert index.headers["x-sub"] == "yes" and index.headers["x-middleware"] == "main"
    assert index.headers["x-prepared"] == "1"
    assert httpx.get(service.url + "/sub/items/42").json()["item"] == "42"
    denied = httpx.get(service.url + "/sub/", headers={"x-deny": "1"})
    assert (denied.status_code, denied.text) == (403, "denied by the sub-app")


def _disconnect_during(server: LiveServer, tag: str) -> None:
    with connect(server) as sock:
        sock.sendall(f"GET /slow?tag={tag} HTTP/1.1\r\nHost: a\r\n\r\n".encode())
        reader = ResponseReader(sock)
        while b"waiting" not in reader.buffer:
            assert reader._fill()
        assert wait_for_event(server, f"started {tag}")


def test_disconnect_leaves_handler_running_by_default(service: LiveServer) -> None:
    tag = f"keep-{time.monotonic_ns()}"
    _disconnect_during(service, tag)
    assert wait_for_event(service, f"write failed {tag}")
    assert f"cancelled {tag}" not in events(service)


def test_disconnect_cancels_handler_with_handler_cancellation(
    cancelling_service: LiveServer,
) -> None:
    tag = f"cancel-{time.monotonic_ns()}"
    _disconnect_during(cancelling_service, tag)
    assert wait_for_event(cancelling_service, f"cancelled {tag}")
    seen = events(cancelling_service)
    assert f"write failed {tag}" not in seen and f"finished {tag}" not in seen

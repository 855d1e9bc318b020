"""WSGI apps (Flask, Django, bare callables) on every loop, through the WSGI adapter."""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

import httpx
import pytest

from albany.testing import LiveServer
from tests.contract.raw import connect, read_until_closed

pytest.importorskip("flask")


@pytest.fixture
def flask(server_pool: Any, loop: str) -> LiveServer:
    return server_pool.get("tests.apps.flask_site:app", loop)


def test_hello(flask: LiveServer) -> None:
    response = httpx.get(flask.url + "/")
    assert response.text == "Hello from Flask"
    assert response.headers["content-length"] == "16"


def test_body_echo_streams_through_wsgi_input(flask: LiveServer) -> None:
    payload = bytes(range(256)) * 4096  # 1 MiB, read by the app in pieces
    response = httpx.post(flask.url + "/echo", content=payload, timeout=30)
    assert response.content == payload


def test_chunked_body_and_readline(flask: LiveServer) -> None:
    def body():  # type: ignore[no-untyped-def]
        yield b"one\ntw"
        yield b"o\nthree"

    response = httpx.post(flask.url + "/lines", content=body())
    assert response.json() == {"lines": ["one\n", "two\n", "three"]}


def test_form_and_multipart_upload(flask: LiveServer) -> None:
    response = httpx.post(
        flask.url + "/form", data={"a": "1"}, files={"file": ("big.bin", b"x" * 300_000)}
    )
    assert response.json() == {"fields": {"a": "1"}, "file": {"name": "big.bin", "size": 300_000}}


def test_environ(flask: LiveServer) -> None:
    response = httpx.get(flask.url + "/environ?q=1", headers=[("x-twice", "a"), ("x-twice", "b")])
    assert response.json() == {
        "SCRIPT_NAME": "",
        "PATH_INFO": "/environ",
        "QUERY_STRING": "q=1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REQUEST_METHOD": "GET",
        "HTTP_X_TWICE": "a,b",
        "wsgi.url_scheme": "http",
        "wsgi.multithread": True,
    }


def test_streamed_response(flask: LiveServer) -> None:
    response = httpx.get(flask.url + "/stream")
    assert response.text == "".join(f"part {i}\n" for i in range(5))
    assert response.headers.get("transfer-encoding") == "chunked"


def test_close_is_always_called(flask: LiveServer) -> None:
    tag = f"ok-{time.monotonic_ns()}"
    assert httpx.get(flask.url + f"/closing?tag={tag}").text == "first second"
    failed = f"fail-{time.monotonic_ns()}"
    with connect(flask) as sock:
        sock.sendall(f"GET /closing?tag={failed}&fail=1 HTTP/1.1\r\nHost: a\r\n\r\n".encode())
        data = read_until_closed(sock)
    # "first " was on the wire when the iterable failed: cut short, then closed
    assert data.startswith(b"HTTP/1.1 200 OK") and b"first " in data
    assert b"second" not in data and not data.endswith(b"0\r\n\r\n")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        closed = httpx.get(flask.url + "/closed").json()
        if tag in closed and failed in closed:
            return
        time.sleep(0.05)
    raise AssertionError(f"close() not called for both: {closed}")


def test_view_error_is_500(flask: LiveServer) -> None:
    assert httpx.get(flask.url + "/error").status_code == 500


def test_response_waits_for_a_slow_reader(flask: LiveServer) -> None:
    size = 32 * 1024 * 1024
    with connect(flask) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        sock.sendall(f"GET /big?size={size} HTTP/1.1\r\nHost: a\r\n\r\n".encode())
        time.sleep(0.5)
        received = 0
        sock.settimeout(30)
        while received < size:
            data = sock.recv(1 << 20)
            if not data:
                break
            received += len(data)
    assert received >= size


def test_legacy_write_callable(start_server: Any) -> None:
    server: LiveServer = start_server("tests.apps.flask_site:legacy_write")
    assert httpx.get(server.url + "/").text == "written, then returned"


def test_app_never_calling_start_response_is_500(start_server: Any) -> None:
    server: LiveServer = start_server("tests.apps.flask_site:no_start_response")
    assert httpx.get(server.url + "/").status_code == 500


def test_django_wsgi(start_server: Any) -> None:
    pytest.importorskip("django")
    server: LiveServer = start_server("tests.apps.django_site:wsgi", "--root-path", "/site")
    assert httpx.get(server.url + "/").text == "Hello from Django"
    where = httpx.get(server.url + "/where").json()
    assert where == {"script": "/site", "path": "/site/where", "path_info": "/where"}
    upload = httpx.post(server.url + "/upload", data={"k": "v"}, files={"file": ("a.txt", b"abc")})
    assert upload.json() == {"fields": {"k": "v"}, "file": {"name": "a.txt", "size": 3}}
    assert httpx.get(server.url + "/stream").text == "".join(f"chunk {i}\n" for i in range(4))


def test_thread_pool_size_is_configurable(start_server: Any) -> None:
    server: LiveServer = start_server("tests.apps.flask_site:app", "--threads", "3")

    async def at_once() -> list[str]:
        async with httpx.AsyncClient(timeout=30) as client:
            responses = await asyncio.gather(
                *(client.get(server.url + "/thread-name") for _ in range(9))
            )
        return [response.text for response in responses]

    names = set(asyncio.run(at_once()))
    assert len(names) == 3, names  # nine views held at once, three threads to run them


def test_start_response_again_with_exc_info_replaces_the_status(start_server: Any) -> None:
    server: LiveServer = start_server("tests.apps.flask_site:error_page_after_start")
    response = httpx.get(server.url + "/")
    assert response.status_code == 503 and response.text == "try later"


def test_start_response_twice_without_exc_info_is_500(start_server: Any) -> None:
    server: LiveServer = start_server("tests.apps.flask_site:start_response_twice")
    assert httpx.get(server.url + "/").status_code == 500


def test_exc_info_after_headers_sent_reraises_and_closes(start_server: Any) -> None:
    server: LiveServer = start_server("tests.apps.flask_site:exc_info_after_body")
    with connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        data = read_until_closed(sock)
    assert data.startswith(b"HTTP/1.1 200 OK") and b"already sent" in data
    assert b"not reached" not in data and not data.endswith(b"0\r\n\r\n")
    deadline = time.monotonic() + 10  # the error is logged as the connection closes
    while "late failure" not in server.output():
        assert time.monotonic() < deadline, server.output()
        time.sleep(0.05)

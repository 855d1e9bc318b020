"""One resource tree, two servers: twisted.web's own Site and Albany, on every loop.

Each case sends the same requests to both and compares status, body and the headers
that matter (``server``, ``date`` and the framing, which Albany owns, are left out).
"""

from __future__ import annotations

import socket
import time
from typing import Any, Callable

import httpx
import pytest

from albany.testing import LiveServer

Case = Callable[[httpx.Client], Any]

COMPARED_HEADERS = (
    "content-type",
    "content-length",
    "content-encoding",
    "content-range",
    "accept-ranges",
    "last-modified",
    "location",
    "allow",
    "x-echo",
    "x-multi",
)


def summary(response: httpx.Response) -> dict[str, Any]:
    headers = {name: response.headers.get_list(name) for name in COMPARED_HEADERS}
    cookies = sorted(value.split("=", 1)[0] for value in response.headers.get_list("set-cookie"))
    return {
        "status": response.status_code,
        "body": response.content,
        "headers": {k: v for k, v in headers.items() if v},
        "cookies": cookies,
    }


def get_args(client: httpx.Client) -> Any:
    return summary(client.get("/args?a=1&a=2&b=%20x&empty="))


def post_form(client: httpx.Client) -> Any:
    return summary(client.post("/args?q=1", data={"name": "albany", "loop": "any"}))


def post_multipart(client: httpx.Client) -> Any:
    upload = bytes(range(256)) * 1000
    return summary(client.post("/args", data={"field": "value"}, files={"file": ("a.bin", upload)}))


def post_spooled(client: httpx.Client) -> Any:
    return summary(client.post("/args", content=b"z" * 300_000))


def redirect(client: httpx.Client) -> Any:
    return summary(client.get("/redirect"))


def not_found(client: httpx.Client) -> Any:
    return summary(client.get("/no/such/thing"))


def method_not_allowed(client: httpx.Client) -> Any:
    return summary(client.delete("/"))


def static_range(client: httpx.Client) -> Any:
    return summary(client.get("/static/data.bin", headers={"range": "bytes=100-299"}))


def static_multi_range(client: httpx.Client) -> Any:
    response = client.get("/static/data.bin", headers={"range": "bytes=0-9,500-509"})
    result = summary(response)
    # the multipart boundary is random: compare the parts' sizes and the status
    result["body"] = len(response.content)
    result["headers"].pop("content-type", None)
    result["headers"].pop("content-length", None)
    return result


def static_head(client: httpx.Client) -> Any:
    return summary(client.head("/static/data.bin"))


def static_whole(client: httpx.Client) -> Any:
    return summary(client.get("/static/data.bin"))


def static_not_modified(client: httpx.Client) -> Any:
    modified = client.get("/static/hello.txt").headers["last-modified"]
    return summary(client.get("/static/hello.txt", headers={"if-modified-since": modified}))


def static_listing(client: httpx.Client) -> Any:
    return summary(client.get("/static/"))


def gzip_encoded(client: httpx.Client) -> Any:
    return summary(client.get("/gzip", headers={"accept-encoding": "gzip"}))


def deferred(client: httpx.Client) -> Any:
    return summary(client.get("/deferred"))


def headers_and_cookies(client: httpx.Client) -> Any:
    return summary(client.get("/headers", headers={"x-test": "hello", "cookie": "c=1"}))


def processing_failed(client: httpx.Client) -> Any:
    return summary(client.get("/fail"))


def sessions(client: httpx.Client) -> Any:
    first = client.get("/session")
    second = client.get("/session")  # the client sends the session cookie back
    fresh = httpx.get(str(client.base_url) + "/session")  # another client: a new session
    return [summary(first), summary(second), summary(fresh)]


CASES: dict[str, Case] = {
    case.__name__: case
    for case in (
        get_args,
        post_form,
        post_multipart,
        post_spooled,
        redirect,
        not_found,
        method_not_allowed,
        static_range,
        static_multi_range,
        static_head,
        static_whole,
        static_not_modified,
        static_listing,
        gzip_encoded,
        deferred,
        headers_and_cookies,
        processing_failed,
        sessions,
    )
}

_reference: dict[str, Any] = {}


def run_case(server: LiveServer, name: str) -> Any:
    with httpx.Client(base_url=server.url, timeout=20) as client:
        return CASES[name](client)


@pytest.mark.parametrize("name", list(CASES))
def test_same_response_as_twisted_site(
    name: str, albany_site: LiveServer, twisted_site: LiveServer
) -> None:
    if name not in _reference:
        _reference[name] = run_case(twisted_site, name)
    assert run_case(albany_site, name) == _reference[name]


# -- producers and disconnects: the same observable behaviour on both servers -------------


def events(server: LiveServer) -> list[str]:
    return list(httpx.get(server.url + "/events").json())


def wait_for(server: LiveServer, wanted: str, timeout: float = 10.0) -> str | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [e for e in events(server) if e.startswith(wanted)]
        if found:
            return found[0]
        time.sleep(0.05)
    return None


def slow_read_50_mb(server: LiveServer, tag: str) -> tuple[int, bool, bool]:
    """Bytes read, whether the producer had finished before reading, whether it paused."""
    size = 50 * 1024 * 1024
    with socket.create_connection((server.host, server.port), timeout=30) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        sock.sendall(f"GET /produce?size={size}&tag={tag} HTTP/1.0\r\n\r\n".encode())
        time.sleep(0.5)
        finished_early = any(e.startswith(f"push-done {tag} ") for e in events(server))
        received = 0
        while True:
            data = sock.recv(1 << 20)
            if not data:
                break
            received += len(data)
    done = wait_for(server, f"push-done {tag} ")
    paused = done is not None and not done.endswith("pauses=0")
    return received, finished_early, paused


def disconnect_while_waiting(server: LiveServer, tag: str) -> str | None:
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(f"GET /wait-disconnect?tag={tag} HTTP/1.1\r\nHost: a\r\n\r\n".encode())
        assert b"waiting" in sock.recv(4096) or b"waiting" in sock.recv(4096)
    return wait_for(server, f"lost {tag} ")


@pytest.mark.parametrize("server_kind", ["twisted-site", "albany"])
def test_producer_streams_50_mb_to_slow_reader(
    server_kind: str, request: pytest.FixtureRequest, loop: str
) -> None:
    if server_kind == "twisted-site" and loop != "asyncio":
        pytest.skip("the reference runs once")
    fixture = "twisted_site" if server_kind == "twisted-site" else "albany_site"
    server: LiveServer = request.getfixturevalue(fixture)
    tag = f"{server_kind}-{loop}-{time.monotonic_ns()}"
    received, finished_early, paused = slow_read_50_mb(server, tag)
    assert received > 50 * 1024 * 1024  # head and body
    assert not finished_early  # held back by the reader, not buffered whole
    assert paused  # pauseProducing reached the producer


@pytest.mark.parametrize("server_kind", ["twisted-site", "albany"])
def test_client_disconnect_fires_notify_finish_errback(
    server_kind: str, request: pytest.FixtureRequest, loop: str
) -> None:
    if server_kind == "twisted-site" and loop != "asyncio":
        pytest.skip("the reference runs once")
    fixture = "twisted_site" if server_kind == "twisted-site" else "albany_site"
    server: LiveServer = request.getfixturevalue(fixture)
    tag = f"{server_kind}-{loop}-{time.monotonic_ns()}"
    assert disconnect_while_waiting(server, tag) == f"lost {tag} ConnectionDone"

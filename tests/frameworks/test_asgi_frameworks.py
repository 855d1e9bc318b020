"""Starlette, FastAPI and Django (ASGI) served by Albany on every loop, with real clients."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from albany.testing import LiveServer
from tests.contract.raw import connect
from tests.observe import wait_for_event

pytest.importorskip("starlette")
pytest.importorskip("fastapi")


@pytest.fixture
def starlette(server_pool: Any, loop: str) -> LiveServer:
    return server_pool.get("tests.apps.starlette_site:starlette_app", loop)


@pytest.fixture
def fastapi(server_pool: Any, loop: str) -> LiveServer:
    return server_pool.get("tests.apps.starlette_site:fastapi_app", loop)


def test_starlette_routing_and_json(starlette: LiveServer) -> None:
    assert httpx.get(starlette.url + "/").text == "Starlette at /"
    assert httpx.get(starlette.url + "/items/7?q=x").json() == {"id": 7, "q": "x"}
    assert httpx.get(starlette.url + "/items/seven").status_code == 404
    assert httpx.post(starlette.url + "/json", json={"a": [1, 2]}).json() == {
        "received": {"a": [1, 2]}
    }


def test_starlette_lifespan_state(starlette: LiveServer) -> None:
    assert httpx.get(starlette.url + "/greeting").json() == {"greeting": "hello from lifespan"}


def test_starlette_upload(starlette: LiveServer) -> None:
    response = httpx.post(
        starlette.url + "/upload", data={"field": "v"}, files={"file": ("f.bin", b"u" * 500_000)}
    )
    assert response.json() == {"name": "f.bin", "size": 500_000, "field": "v"}


def test_starlette_streaming(starlette: LiveServer) -> None:
    with httpx.stream("GET", starlette.url + "/stream") as response:
        assert response.headers["transfer-encoding"] == "chunked"
        assert response.read() == b"0\n1\n2\n3\n4\n"


def test_starlette_background_task(starlette: LiveServer) -> None:
    tag = str(time.monotonic_ns())
    assert httpx.get(starlette.url + f"/background?tag={tag}").text == "scheduled"
    assert wait_for_event(starlette, f"background {tag}")


def test_starlette_sees_client_disconnect(starlette: LiveServer) -> None:
    tag = str(time.monotonic_ns())
    with connect(starlette) as sock:
        sock.sendall(f"GET /forever?tag={tag} HTTP/1.1\r\nHost: a\r\n\r\n".encode())
        assert b"tick" in sock.recv(4096)
    assert wait_for_event(starlette, f"stream ended {tag}")


def test_fastapi(fastapi: LiveServer) -> None:
    assert httpx.get(fastapi.url + "/items/3?q=y").json() == {"id": 3, "q": "y"}
    assert httpx.get(fastapi.url + "/items/three").status_code == 422
    assert httpx.get(fastapi.url + "/sync").json() == {"ran": "in a worker thread"}
    assert httpx.get(fastapi.url + "/greeting").json() == {"greeting": "hello from lifespan"}
    upload = httpx.post(
        fastapi.url + "/upload", data={"field": "f"}, files={"file": ("a.txt", b"abc")}
    )
    assert upload.json() == {"name": "a.txt", "size": 3, "field": "f"}
    tag = str(time.monotonic_ns())
    assert httpx.get(fastapi.url + f"/background?tag={tag}").json() == {"status": "scheduled"}
    assert wait_for_event(fastapi, f"background {tag}")


def test_django_asgi(start_server: Any) -> None:
    pytest.importorskip("django")
    server: LiveServer = start_server("tests.apps.django_site:asgi")
    assert httpx.get(server.url + "/").text == "Hello from Django"
    upload = httpx.post(server.url + "/upload", data={"k": "v"}, files={"file": ("a.txt", b"xyz")})
    assert upload.json() == {"fields": {"k": "v"}, "file": {"name": "a.txt", "size": 3}}
    assert httpx.get(server.url + "/stream").text == "".join(f"chunk {i}\n" for i in range(4))

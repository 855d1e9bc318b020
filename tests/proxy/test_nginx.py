"""nginx (Debian's) in front of Albany with ``docs/deploy/nginx.conf``, over a Unix socket and
over TCP: the client address, scheme and host reach every kind of app; WebSocket upgrades.

The client connects from 127.0.0.2, so its address differs from the trusted proxy's and from
what Albany would see without the headers; it also forges headers, which nginx overwrites or
appends to and Albany sees through."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from albany.testing import LiveServer
from tests.proxy import real
from tests.proxy.apps import KINDS, MOUNTS

CLIENT = "127.0.0.2"
FORGED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "Host": "public.example"}
pytestmark = pytest.mark.loops("asyncio", "twisted")


@pytest.fixture(params=["unix", "tcp"])
def behind_nginx(request: Any, start_server: Any, tmp_path: Path) -> Iterator[int]:
    """Albany behind nginx; nginx's port."""
    if request.param == "unix":
        sock = str(tmp_path / "albany.sock")
        start_server("", *MOUNTS, "--uds", sock, "--proxy-headers", "--forwarded-allow-ips", "unix")
        upstream = f"unix:{sock}"
    else:
        server: LiveServer = start_server("", *MOUNTS, "--proxy-headers")
        upstream = f"127.0.0.1:{server.port}"
    port, running = real.nginx(tmp_path, upstream)
    with _running(running):
        yield port


class _running:
    def __init__(self, generator: Iterator[None]) -> None:
        self.generator = generator

    def __enter__(self) -> None:
        next(self.generator)

    def __exit__(self, *exc: object) -> None:
        next(self.generator, None)


def test_every_kind_sees_the_client_through_nginx(behind_nginx: int) -> None:
    transport = httpx.HTTPTransport(local_address=CLIENT)
    with httpx.Client(base_url=f"http://127.0.0.1:{behind_nginx}", transport=transport) as client:
        for kind in KINDS:
            page = client.get(f"/{kind}/page", headers=FORGED).json()
            assert (kind, page["client"], page["scheme"], page["host"]) == (
                kind,
                CLIENT,
                "http",
                f"public.example:{behind_nginx}",
            )


def test_websocket_through_nginx(behind_nginx: int) -> None:
    from websockets.sync.client import connect

    sock = socket.socket()
    sock.bind((CLIENT, 0))
    sock.connect(("127.0.0.1", behind_nginx))
    url = f"ws://public.example:{behind_nginx}/asgi/ws"
    with connect(url, sock=sock, open_timeout=10) as websocket:
        scope = json.loads(websocket.recv(timeout=10))
    assert (scope["client"], scope["scheme"]) == (CLIENT, "ws")
    assert scope["host"] == f"public.example:{behind_nginx}"

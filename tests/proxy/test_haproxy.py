"""HAProxy (Debian's) in TCP mode sending PROXY v2 with ``docs/deploy/haproxy.cfg``, to
Albany on TCP on every loop and on a Unix socket: the app sees the client HAProxy saw."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from albany.testing import LiveServer
from tests.proxy import real
from tests.proxy.test_nginx import CLIENT, _running


def test_proxy_v2_from_haproxy_over_tcp(start_server: Any, tmp_path: Path) -> None:
    server: LiveServer = start_server("tests.proxy.apps:asgi", "--proxy-protocol")
    port, running = real.haproxy(tmp_path, f"127.0.0.1:{server.port}")
    with _running(running):
        transport = httpx.HTTPTransport(local_address=CLIENT)
        with httpx.Client(transport=transport) as client:
            pages = [client.get(f"http://127.0.0.1:{port}/page").json() for _ in range(2)]
    for page in pages:  # twice on one kept-alive connection: one header, two requests
        assert page["client"] == CLIENT and page["scheme"] == "http"
        assert page["proxy"]["version"] == 2 and page["proxy"]["local"] is False


def test_proxy_v2_from_haproxy_over_a_unix_socket(start_server: Any, tmp_path: Path) -> None:
    sock = str(tmp_path / "albany.sock")
    start_server(
        "tests.proxy.apps:asgi", "--uds", sock, "--proxy-protocol", "--forwarded-allow-ips", "unix"
    )
    port, running = real.haproxy(tmp_path, f"unix@{sock}")
    with _running(running):
        transport = httpx.HTTPTransport(local_address=CLIENT)
        with httpx.Client(transport=transport) as client:
            page = client.get(f"http://127.0.0.1:{port}/page").json()
    assert page["client"] == CLIENT and page["proxy"]["version"] == 2

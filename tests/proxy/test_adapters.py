"""Forwarding headers reach every kind of app alike, through its framework's own API, and a
peer that is not trusted cannot forge them (twisted.web ``getClientAddress``/``isSecure``,
Tornado ``remote_ip``/``protocol``, aiohttp ``remote``/``scheme``, WSGI ``REMOTE_ADDR``/
``wsgi.url_scheme``; ``host`` everywhere)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.proxy.apps import KINDS, MOUNTS

FORGED = {
    "X-Forwarded-For": "203.0.113.7",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "public.example",
    "Forwarded": "for=198.51.100.1;proto=https",
}
pytestmark = pytest.mark.loops("asyncio", "twisted")


def pages(url: str) -> dict[str, Any]:
    with httpx.Client(base_url=url) as client:
        return {kind: client.get(f"/{kind}/page", headers=FORGED).json() for kind in KINDS}


def test_trusted_proxy_headers_reach_every_kind(start_server: Any) -> None:
    server = start_server("", *MOUNTS, "--proxy-headers")
    for kind, page in pages(server.url).items():
        assert (kind, page["client"], page["scheme"], page["host"]) == (
            kind,
            "203.0.113.7",
            "https",
            "public.example",
        )


@pytest.mark.parametrize(
    "options", [["--proxy-headers", "--forwarded-allow-ips", "10.0.0.0/8"], []]
)
def test_forged_headers_ignored_on_every_kind(start_server: Any, options: list[str]) -> None:
    server = start_server("", *MOUNTS, *options)
    for kind, page in pages(server.url).items():
        assert (kind, page["client"], page["scheme"], page["host"]) == (
            kind,
            "127.0.0.1",
            "http",
            f"127.0.0.1:{server.port}",
        )


def test_prefix_becomes_root_path(start_server: Any) -> None:
    server = start_server("", *MOUNTS, "--proxy-headers")
    page = httpx.get(f"{server.url}/asgi/page", headers={"X-Forwarded-Prefix": "/edge"}).json()
    assert (page["root_path"], page["path"]) == ("/edge/asgi", "/edge/asgi/page")

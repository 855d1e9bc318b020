"""One mount rule for every adapter: mounted at ``/sub``, an app's ``/x`` route serves
``/sub/x``, and the URLs its framework builds are the public ones, ``/sub`` included."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from albany.mount import path_below, raw_path_below
from albany.testing import LiveServer

PREFIXED = "tests.apps.prefixed"


def mounted(start_server: Any, framework: str) -> LiveServer:
    """The framework's app at ``/sub``, beside the contract app at ``/``."""
    server: LiveServer = start_server(
        "",
        "--mount", f"/sub={PREFIXED}.{framework}_app:app",
        "--mount", "/=tests.apps.contract:app",
    )  # fmt: skip
    scope = httpx.get(server.url + "/scope/x").json()  # the app beside it
    assert (scope["root_path"], scope["path"]) == ("", "/scope/x")
    return server


def echoed(server: LiveServer, path: str) -> str:
    """What the WebSocket endpoint at ``path`` answers to ``"hi"``."""
    from websockets.asyncio.client import connect

    async def talk() -> str:
        async with connect(f"ws://{server.host}:{server.port}{path}") as ws:
            await ws.send("hi")
            answer = await asyncio.wait_for(ws.recv(), 10)
            assert isinstance(answer, str)
            return answer

    return asyncio.run(talk())


def test_tornado(start_server: Any, loop: str) -> None:
    pytest.importorskip("tornado")
    pytest.importorskip("websockets")
    server = mounted(start_server, "tornado")
    assert httpx.get(server.url + "/sub/x").json() == {
        "path": "/sub/x",
        "full_url": server.url + "/sub/x",
        "reverse_url": "/sub/item/7",
    }
    assert httpx.get(server.url + "/sub/item/a%20b").json() == {"item": "a b"}
    assert httpx.get(server.url + "/x").status_code == 404  # the contract app's
    assert echoed(server, "/sub/ws") == "/sub/ws /sub/item/7 hi"


def test_aiohttp(start_server: Any, loop: str) -> None:
    pytest.importorskip("aiohttp")
    pytest.importorskip("websockets")
    server = mounted(start_server, "aiohttp")
    assert httpx.get(server.url + "/sub/x").json() == {
        "path": "/sub/x",
        "url": server.url + "/sub/x",
        "url_for": "/sub/item/7",
    }
    assert httpx.get(server.url + "/sub/item/a%20b").json() == {"item": "a b"}
    assert httpx.get(server.url + "/x").status_code == 404
    assert echoed(server, "/sub/ws") == "/sub/ws /sub/item/7 hi"


def test_twisted_web(start_server: Any, loop: str) -> None:
    pytest.importorskip("twisted")
    server = mounted(start_server, "twisted")
    assert httpx.get(server.url + "/sub/x").json() == {
        "path": "/sub/x",
        "prePathURL": server.url + "/sub/x",
        "URLPath": server.url + "/sub/item/7",
    }
    assert httpx.get(server.url + "/sub/item/a%20b").json() == {"item": "a b"}
    assert httpx.get(server.url + "/x").status_code == 404


def test_wsgi(start_server: Any, loop: str) -> None:
    server = mounted(start_server, "wsgi")
    assert httpx.get(server.url + "/sub/x").json() == {
        "script_name": "/sub",
        "path_info": "/x",
        "request_uri": server.url + "/sub/x",
        "item_url": server.url + "/sub/item/7",
    }
    assert httpx.get(server.url + "/sub/item/a%20b").json() == {"item": "a b"}
    assert httpx.get(server.url + "/x").status_code == 404


@pytest.mark.parametrize(
    ("scope", "below", "raw_below"),
    [
        ({"path": "/sub/x y", "raw_path": b"/sub/x%20y", "root_path": "/sub"}, "/x y", b"/x%20y"),
        ({"path": "/sub", "raw_path": b"/sub", "root_path": "/sub"}, "", b""),
        ({"path": "/s u/x", "raw_path": b"/s%20u/x", "root_path": "/s u"}, "/x", b"/x"),
        ({"path": "/a/b/c", "raw_path": b"/a%2Fb/c", "root_path": "/a/b"}, "/c", b"/c"),
        ({"path": "/subx", "raw_path": b"/subx", "root_path": "/sub"}, "/subx", b"/subx"),
        ({"path": "/x", "root_path": ""}, "/x", b"/x"),
        ({"path": "/sub/é", "root_path": "/sub"}, "/é", b"/%C3%A9"),
    ],
)
def test_the_path_below_root_path(scope: dict[str, Any], below: str, raw_below: bytes) -> None:
    assert path_below(scope) == below
    assert raw_path_below(scope) == raw_below

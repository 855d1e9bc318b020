"""``HTTPServer(callback)``: a plain callable taking the ``HTTPServerRequest``, as Tornado takes."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from tornado.netutil import bind_sockets

from albany.testing import LiveServer
from albany_tornado import HTTPServer
from tests.adapters.tornado import callback_app
from tests.adapters.tornado.test_connection_close import until_closed
from tests.adapters.tornado.test_websocket_dropin import run_on
from tests.contract.raw import ResponseReader, connect

APP = "tests.adapters.tornado.callback_app:app"


def test_a_callback_gets_the_request_with_its_body(server_pool: Any, loop: str) -> None:
    server: LiveServer = server_pool.get(APP, loop)
    base = f"http://{server.host}:{server.port}"
    with httpx.Client() as client:
        answer = client.post(base + "/form?q=1", data={"a": "b"}).json()
        assert answer == {
            "method": "POST",
            "path": "/form",
            "arguments": {"q": ["1"], "a": ["b"]},
            "body": "a=b",
        }
        later = client.get(base + "/later")  # answered after the callback returned
        assert later.status_code == 200
        assert later.json()["path"] == "/later"


def test_a_raw_head_written_through_write_is_the_response(server_pool: Any, loop: str) -> None:
    server: LiveServer = server_pool.get(APP, loop)
    with connect(server) as sock:
        sock.sendall(b"GET /raw HTTP/1.1\r\nHost: a\r\n\r\n")
        response = ResponseReader(sock).read()
    assert response.status == 203
    assert response.header("x-raw") == "yes"
    assert response.body == b"raw"


@pytest.mark.parametrize("path", ["/raise", "/bad-length"])
def test_a_delegate_error_is_a_500_and_a_close(server_pool: Any, loop: str, path: str) -> None:
    server: LiveServer = server_pool.get(APP, loop)
    with connect(server) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: a\r\n\r\n".encode())
        received = until_closed(sock)
    assert received.startswith(b"HTTP/1.1 500 "), received
    assert b"connection: close" in received.lower()


@pytest.mark.parametrize(
    ("backend", "loop_name"),
    [("asyncio", "asyncio"), ("asyncio", "uvloop"), ("tornado", "asyncio")],
)
def test_dropin_server_takes_a_callback(backend: Any, loop_name: str) -> None:
    async def main() -> None:
        server = HTTPServer(callback_app.callback, backend=backend)
        sockets = bind_sockets(0, "127.0.0.1")
        server.add_sockets(sockets)
        base = f"http://127.0.0.1:{sockets[0].getsockname()[1]}"
        try:
            async with httpx.AsyncClient() as http:
                answer = (await http.put(base + "/up", content=b"x" * 100_000)).json()
                assert answer["method"] == "PUT"
                assert answer["body"] == "x" * 100_000
                assert (await http.get(base + "/later")).json()["path"] == "/later"
        finally:
            server.stop()
            await asyncio.wait_for(server.close_all_connections(), 15)

    run_on(loop_name, main)


def test_neither_a_delegate_nor_a_callable_is_refused() -> None:
    with pytest.raises(TypeError, match="callable taking an HTTPServerRequest"):
        HTTPServer("not an application")  # type: ignore[arg-type]

"""An aiohttp application through Albany, on every loop: requests, bodies and routing."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import socket
import time

import aiohttp
import httpx

from albany.testing import LiveServer
from tests.contract.raw import ResponseReader, connect, exchange


def test_routes_match_info_and_query(service: LiveServer) -> None:
    assert httpx.get(service.url + "/").text == "Hello, world!"
    assert httpx.get(service.url + "/users/b%C3%B6b").json() == {
        "name": "böb",
        "path": "/users/böb",
    }
    data = httpx.get(service.url + "/query?a=1&a=2&b=x%20y").json()
    assert data == {"pairs": [["a", "1"], ["a", "2"], ["b", "x y"]], "qs": "a=1&a=2&b=x y"}
    assert httpx.get(service.url + "/nowhere").status_code == 404
    assert httpx.post(service.url + "/").status_code == 405


def test_request_attributes_and_peer(service: LiveServer) -> None:
    with connect(service) as sock:
        local_port = sock.getsockname()[1]
        sock.sendall(
            b"GET /inspect HTTP/1.1\r\nHost: example.org:81\r\nX-Custom: one\r\n"
            b"x-custom: two\r\nContent-Type: text/csv\r\n\r\n"
        )
        response = ResponseReader(sock).read()
    import json

    data = json.loads(response.body)
    assert data["remote"] == "127.0.0.1" == data["peer_host"]
    assert data["host"] == "example.org:81"
    assert data["url"] == "http://example.org:81/inspect"
    assert data["x_custom"] == ["one", "two"]
    assert data["content_type"] == "text/csv"
    assert data["version"] == [1, 1] and data["keep_alive"] is True
    assert data["body_exists"] is False
    assert local_port > 0


def test_http_1_0_request_closes(service: LiveServer) -> None:
    [response] = exchange(service, b"GET /inspect HTTP/1.0\r\n\r\n")
    assert response.status == 200
    assert b'"version": [1, 0]' in response.body and b'"keep_alive": false' in response.body


def test_cookies_with_aiohttp_client(service: LiveServer) -> None:
    async def run() -> tuple[dict[str, str], list[str], dict[str, str]]:
        jar = aiohttp.CookieJar(unsafe=True)  # the server is an IP address
        async with aiohttp.ClientSession(cookies={"a": "1", "b": "two"}, cookie_jar=jar) as session:
            async with session.get(service.url + "/cookies") as response:
                seen = await response.json()
                set_cookies = response.headers.getall("Set-Cookie")
            stored = {cookie.key: cookie.value for cookie in session.cookie_jar}
        return seen, set_cookies, stored

    seen, set_cookies, jar = asyncio.run(run())
    assert seen == {"a": "1", "b": "two"}
    assert "flavour=aiohttp; HttpOnly; Path=/" in set_cookies
    assert jar["flavour"] == "aiohttp" and jar["count"] == "2"


def test_read_text_json(service: LiveServer) -> None:
    body = os.urandom(300_000)
    response = httpx.post(
        service.url + "/echo", content=body, headers={"content-type": "application/x-bin"}
    )
    assert response.content == body
    assert response.headers["content-type"] == "application/x-bin"
    assert httpx.post(service.url + "/text", content="héllo".encode()).text == "5:héllo"
    assert httpx.post(service.url + "/json", json={"b": 1, "a": [2]}).json() == {
        "got": {"b": 1, "a": [2]},
        "keys": ["a", "b"],
    }


def test_post_urlencoded_and_multipart_form(service: LiveServer) -> None:
    assert httpx.post(service.url + "/form", data={"x": "1", "y": "é"}).json() == {
        "x": "1",
        "y": "é",
    }
    files = {"upload": ("notes.txt", b"n" * 5000, "text/plain")}
    assert httpx.post(service.url + "/form", data={"x": "2"}, files=files).json() == {
        "x": "2",
        "upload": {"filename": "notes.txt", "size": 5000},
    }


def test_large_multipart_upload_streams_through(service: LiveServer) -> None:
    big = os.urandom(8 * 1024 * 1024)

    async def run() -> list[dict[str, object]]:
        form = aiohttp.FormData()
        form.add_field("title", "big")
        form.add_field(
            "blob", io.BytesIO(big), filename="blob.bin", content_type="application/octet-stream"
        )
        async with aiohttp.ClientSession() as session:
            async with session.post(service.url + "/multipart", data=form) as response:
                assert response.status == 200
                result: list[dict[str, object]] = await response.json()
                return result

    parts = asyncio.run(run())
    assert [p["name"] for p in parts] == ["title", "blob"]
    assert parts[1]["size"] == len(big)
    assert parts[1]["sha256"] == hashlib.sha256(big).hexdigest()


def test_client_max_size_is_413(service: LiveServer) -> None:
    response = httpx.post(service.url + "/echo", content=b"x" * (1024**2 + 1))
    assert response.status_code == 413
    assert "Maximum request body size 1048576 exceeded" in response.text
    assert httpx.post(service.url + "/echo", content=b"x" * 1024**2).status_code == 200


def test_chunked_request_body(service: LiveServer) -> None:
    def pieces() -> object:
        for _ in range(40):
            yield b"c" * 10_000

    response = httpx.post(service.url + "/count", content=pieces())  # type: ignore[arg-type]
    assert response.text == "400000"


def test_gzip_request_body_is_decompressed(service: LiveServer) -> None:
    import gzip

    plain = b"zipped " * 50_000
    response = httpx.post(
        service.url + "/count", content=gzip.compress(plain), headers={"content-encoding": "gzip"}
    )
    assert response.text == str(len(plain))


def test_request_body_flow_control(service: LiveServer) -> None:
    """A handler that does not read holds the client back; reading lets it all through."""
    size = 64 * 1024 * 1024
    with connect(service, timeout=30) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
        sock.sendall(
            f"POST /hold?wait=1.5 HTTP/1.1\r\nHost: a\r\nContent-Length: {size}\r\n\r\n".encode()
        )
        piece = b"u" * 65536
        sent = 0
        sock.setblocking(False)
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            try:
                sent += sock.send(piece)
            except BlockingIOError:
                time.sleep(0.01)
        assert sent < 16 * 1024 * 1024, f"{sent} bytes accepted while the handler read nothing"
        sock.setblocking(True)
        view = memoryview(b"u" * size)
        sock.sendall(view[sent:])
        response = ResponseReader(sock).read()
    assert response.status == 200
    assert response.body == str(size).encode()


def test_keep_alive_with_aiohttp_client(service: LiveServer) -> None:
    async def run() -> list[str]:
        connector = aiohttp.TCPConnector(limit=1)
        async with aiohttp.ClientSession(connector=connector) as session:
            bodies = []
            for name in ("a", "b", "c"):
                async with session.get(f"{service.url}/users/{name}") as response:
                    bodies.append((await response.json())["name"])
                async with session.post(service.url + "/echo", data=b"12345") as response:
                    assert await response.read() == b"12345"
            return bodies

    assert asyncio.run(run()) == ["a", "b", "c"]

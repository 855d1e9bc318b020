"""Flow control, disconnects, timeouts and concurrency, on every loop."""

from __future__ import annotations

import asyncio
import socket
import time

import httpx

from albany.testing import LiveServer
from tests.contract.raw import ResponseReader, connect, is_closed
from tests.observe import wait_for_event


def test_send_waits_while_client_does_not_read(server: LiveServer) -> None:
    tag = f"slow-{time.monotonic_ns()}"
    size = 64 * 1024 * 1024
    with connect(server) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        sock.sendall(f"GET /big?size={size}&tag={tag} HTTP/1.1\r\nHost: a\r\n\r\n".encode())
        time.sleep(1.0)
        # the app is held in send(): far less than the body fits in socket buffers
        assert f"big sent {tag}" not in httpx.get(server.url + "/events").json()
        received = 0
        sock.settimeout(30)
        while True:
            data = sock.recv(1 << 20)
            if not data:
                break
            received += len(data)
            if received >= size:  # head plus body
                break
    assert received >= size
    assert wait_for_event(server, f"big sent {tag}")


def test_slow_reader_app_gets_whole_body(server: LiveServer) -> None:
    payload = b"p" * (4 * 1024 * 1024)
    response = httpx.post(server.url + "/read-slowly", content=payload, timeout=60)
    assert response.text == str(len(payload))


def test_disconnect_reaches_waiting_app(server: LiveServer) -> None:
    before = httpx.get(server.url + "/events").json().count("disconnect")
    with connect(server) as sock:
        sock.sendall(b"GET /wait-disconnect HTTP/1.1\r\nHost: a\r\n\r\n")
        reader = ResponseReader(sock)
        reader._fill()
        assert b"waiting" in reader.buffer
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if httpx.get(server.url + "/events").json().count("disconnect") > before:
            return
        time.sleep(0.05)
    raise AssertionError("the app never received http.disconnect")


def test_keep_alive_idle_timeout(start_server: object) -> None:
    server: LiveServer = start_server("tests.apps.contract:app", "--timeout-keep-alive", "0.5")  # type: ignore[operator]
    with connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        assert ResponseReader(sock).read().status == 200
        started = time.monotonic()
        assert is_closed(sock, timeout=5)
        assert time.monotonic() - started >= 0.4


def test_trickled_request_head_is_cut_off(start_server: object) -> None:
    server: LiveServer = start_server("tests.apps.contract:app", "--timeout-request-header", "1")  # type: ignore[operator]
    with connect(server) as sock:
        started = time.monotonic()
        closed = False
        answer = b""
        for byte in b"GET / HTTP/1.1\r\nHost: a\r\nX-Slow: " + b"x" * 40:
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                closed = True
                break
            sock.settimeout(0.2)
            try:
                answer = sock.recv(1024)
            except TimeoutError:
                continue
            closed = True
            break
        assert closed
        assert answer == b"" or answer.startswith(b"HTTP/1.1 408 "), answer
        assert 0.9 <= time.monotonic() - started < 5


def test_thousand_concurrent_connections(server: LiveServer) -> None:
    async def one(index: int) -> bytes:
        reader, writer = await asyncio.open_connection(server.host, server.port)
        writer.write(
            f"GET /scope?i={index} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n".encode()
        )
        data = await reader.read()
        writer.close()
        await writer.wait_closed()
        return data

    async def all_at_once() -> list[bytes]:
        return await asyncio.gather(*(one(i) for i in range(1000)))

    results = asyncio.run(all_at_once())
    assert len(results) == 1000
    for index, data in enumerate(results):
        assert data.startswith(b"HTTP/1.1 200 OK"), data[:100]
        assert f'"query_string": "i={index}"'.encode() in data

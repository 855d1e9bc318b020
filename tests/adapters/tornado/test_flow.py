"""Flow control and disconnects both ways, on every loop: what a slow or gone peer does."""

from __future__ import annotations

import socket
import time

import httpx

from albany.testing import LiveServer
from tests.contract.raw import ResponseReader, connect
from tests.observe import events, wait_for_event


def tag() -> str:
    return f"t{time.monotonic_ns()}"


def test_flush_waits_while_client_does_not_read(tornado_server: LiveServer) -> None:
    name = tag()
    chunks, size = 512, 65536  # 32 MiB, each piece flushed and awaited by the handler
    with connect(tornado_server) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        request = (
            f"GET /download?chunks={chunks}&size={size}&tag={name} HTTP/1.1\r\nHost: a\r\n\r\n"
        )
        sock.sendall(request.encode())
        time.sleep(1.0)
        assert f"download sent {name}" not in events(tornado_server)  # held in flush()
        received = 0
        sock.settimeout(30)
        while received < chunks * size:
            data = sock.recv(1 << 20)
            assert data, "closed early"
            received += len(data)
    assert wait_for_event(tornado_server, f"download sent {name}")


def test_slow_handler_slows_the_client(tornado_server: LiveServer) -> None:
    name = tag()
    total = 64 * 1024 * 1024
    body = b"u" * total
    with connect(tornado_server) as sock:
        sock.sendall(
            f"POST /gated/{name} HTTP/1.1\r\nHost: a\r\nContent-Length: {total}\r\n\r\n".encode()
        )
        sock.setblocking(False)
        sent = 0
        stalled_since = time.monotonic()
        while time.monotonic() - stalled_since < 1.0 and sent < total:
            try:
                sent += sock.send(body[sent : sent + 65536])
                stalled_since = time.monotonic()
            except BlockingIOError:
                time.sleep(0.02)
        # the handler took one piece and waits: Albany stopped reading, so the client stalls
        assert sent < total // 2, sent
        held = httpx.get(f"{tornado_server.url}/gate/{name}/status").json()["received"]
        assert 0 < held <= 65536
        assert httpx.get(f"{tornado_server.url}/gate/{name}/open").status_code == 200
        sock.setblocking(True)
        sock.settimeout(30)
        sock.sendall(body[sent:])
        response = ResponseReader(sock).read()
    assert response.status == 200
    assert response.body == b'{"received": %d}' % total


def test_on_connection_close_when_the_client_goes(tornado_server: LiveServer) -> None:
    name = tag()
    with connect(tornado_server) as sock:
        sock.sendall(f"GET /wait-close?tag={name} HTTP/1.1\r\nHost: a\r\n\r\n".encode())
        reader = ResponseReader(sock)
        while b"waiting" not in reader.buffer:
            assert reader._fill()
    assert wait_for_event(tornado_server, f"on_connection_close {name}")


def test_flush_fails_once_the_client_is_gone(tornado_server: LiveServer) -> None:
    name = tag()
    with connect(tornado_server) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        sock.sendall(
            f"GET /download?chunks=100000&size=65536&tag={name} HTTP/1.1\r\n"
            "Host: a\r\n\r\n".encode()
        )
        assert sock.recv(65536)
    assert wait_for_event(tornado_server, f"download closed {name}")


def test_client_gone_mid_upload(tornado_server: LiveServer) -> None:
    before = events(tornado_server).count("upload closed")
    with connect(tornado_server) as sock:
        sock.sendall(b"PUT /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n\r\n")
        sock.sendall(b"x" * 100000)
        time.sleep(0.2)
    deadline = time.monotonic() + 10
    while events(tornado_server).count("upload closed") == before:
        assert time.monotonic() < deadline, "on_connection_close never ran"
        time.sleep(0.05)

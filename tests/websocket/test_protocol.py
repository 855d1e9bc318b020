"""RFC 6455 and the ASGI websocket messages, byte by byte, on every loop."""

from __future__ import annotations

import json
import signal
import struct
import time

import httpx
import pytest

from albany.testing import LiveServer
from tests.websocket.raw import (
    BINARY,
    CLOSE,
    CONTINUATION,
    PING,
    PONG,
    TEXT,
    RawWebSocket,
    close_frame,
    frame,
    upgrade_request,
)


def events(server: LiveServer) -> list[str]:
    result: list[str] = httpx.get(server.url + "/events").json()
    return result


def wait_for(server: LiveServer, predicate: object, timeout: float = 10.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        seen = events(server)
        if any(predicate(e) for e in seen) or time.monotonic() > deadline:  # type: ignore[operator]
            return seen
        time.sleep(0.05)


def test_handshake_and_scope(echo_server: LiveServer, loop: str) -> None:
    with RawWebSocket(echo_server) as ws:
        headers = ws.handshake(
            "/room%201?x=1", b"Sec-WebSocket-Protocol: other, chat\r\nX-Custom: 1\r\n"
        )
        assert headers["sec-websocket-accept"] == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="  # RFC 6455, 1.3
        assert headers["sec-websocket-protocol"] == "chat"
        assert headers["x-albany"] == "yes"
        assert "sec-websocket-extensions" not in headers  # not offered
        ws.send(frame(TEXT, b"scope"))
        scope = json.loads(ws.read_frame().payload)
    assert scope["type"] == "websocket"
    assert scope["path"] == "/room 1"
    assert scope["raw_path"] == "/room%201"
    assert scope["query_string"] == "x=1"
    assert scope["root_path"] == ""
    assert scope["scheme"] == "ws"
    assert scope["http_version"] == "1.1"
    assert scope["subprotocols"] == ["other", "chat"]
    assert ["x-custom", "1"] in scope["headers"]
    assert scope["client"][0] == "127.0.0.1"
    assert scope["server"] == ["127.0.0.1", echo_server.port]
    assert scope["extensions"] == [
        "albany",
        "albany.websocket.options",
        "albany.websocket.ping",
        "websocket.http.response",
    ]
    assert scope["backend"] == {"twisted-asyncio": "twisted"}.get(loop, loop)
    assert scope["asgi"]["version"] == "3.0"


def test_messages_text_binary_empty_and_fragmented(echo_server: LiveServer) -> None:
    with RawWebSocket(echo_server) as ws:
        ws.handshake("/echo")
        ws.send(frame(TEXT, "héllo".encode()))
        assert ws.read_frame() == (True, TEXT, "héllo".encode())
        ws.send(frame(BINARY, b"\x00\xff"))
        assert ws.read_frame() == (True, BINARY, b"\x00\xff")
        ws.send(frame(TEXT, b""))
        assert ws.read_frame() == (True, TEXT, b"")
        ws.send(frame(BINARY, b""))
        assert ws.read_frame() == (True, BINARY, b"")
        # fragments with a ping between them; the UTF-8 sequence is split across frames
        ws.send(frame(TEXT, "ab\u00e9".encode()[:3], fin=False))
        ws.send(frame(PING, b"p1"))
        ws.send(frame(CONTINUATION, "ab\u00e9".encode()[3:] + b"cd", fin=False))
        ws.send(frame(CONTINUATION, b"", fin=True))
        assert ws.read_frame() == (True, PONG, b"p1")
        assert ws.read_frame() == (True, TEXT, "ab\u00e9cd".encode())
        big = bytes(range(256)) * 1024
        ws.send(frame(BINARY, big))
        assert ws.read_frame() == (True, BINARY, big)
        ws.send(close_frame(1000))
        assert ws.read_frame().close_code == 1000
        assert ws.is_closed()


def test_frames_sent_with_the_handshake_are_kept(echo_server: LiveServer) -> None:
    with RawWebSocket(echo_server) as ws:
        ws.send(upgrade_request("/early") + frame(TEXT, b"one") + frame(TEXT, b"two"))
        assert ws.read_head()[0] == 101
        assert ws.read_frame().payload == b"one"
        assert ws.read_frame().payload == b"two"


def test_client_close_codes_reach_the_app_and_are_echoed(echo_server: LiveServer) -> None:
    tag = f"/close-{time.monotonic_ns()}"
    with RawWebSocket(echo_server) as ws:
        ws.handshake(tag)
        ws.send(close_frame(4321, b"bye"))
        assert ws.read_frame() == (True, CLOSE, struct.pack("!H", 4321))
        assert ws.is_closed()
    assert f"disconnect {tag} 4321 bye" in wait_for(echo_server, lambda e: tag in e)
    tag = f"/nocode-{time.monotonic_ns()}"
    with RawWebSocket(echo_server) as ws:
        ws.handshake(tag)
        ws.send(close_frame())
        assert ws.read_frame() == (True, CLOSE, b"")  # 1005 is never put on the wire
    assert f"disconnect {tag} 1005 " in wait_for(echo_server, lambda e: tag in e)


def test_app_closes_with_code_and_reason(echo_server: LiveServer) -> None:
    with RawWebSocket(echo_server) as ws:
        ws.handshake("/x")
        ws.send(frame(TEXT, b"close:4002:going now"))
        closing = ws.read_frame()
        assert closing.close_code == 4002
        assert closing.payload[2:] == b"going now"
        ws.send(close_frame(4002))
        assert ws.is_closed()


def test_connection_lost_is_1006_for_the_app_only(echo_server: LiveServer) -> None:
    tag = f"/lost-{time.monotonic_ns()}"
    with RawWebSocket(echo_server) as ws:
        ws.handshake(tag)
    assert f"disconnect {tag} 1006 " in wait_for(echo_server, lambda e: tag in e)


def test_protocol_errors_fail_the_connection(echo_server: LiveServer) -> None:
    cases = [
        (frame(TEXT, b"\xff\xfe"), 1007),  # invalid UTF-8
        (frame(TEXT, b"unmasked", mask=False), 1002),
        (frame(0x3, b"reserved opcode"), 1002),
        (frame(TEXT, b"x", rsv1=True), 1002),  # RSV1 without deflate
        (frame(PING, b"x" * 126), 1002),  # control frame too long
        (frame(CONTINUATION, b"nothing to continue"), 1002),
        (close_frame(1006), 1002),  # a code no endpoint may send
    ]
    for data, code in cases:
        with RawWebSocket(echo_server) as ws:
            ws.handshake("/bad")
            ws.send(data)
            assert ws.read_frame().close_code == code, data
            assert ws.is_closed()


def test_denial_response(echo_server: LiveServer) -> None:
    with RawWebSocket(echo_server) as ws:
        ws.send(upgrade_request("/deny"))
        status, headers, _ = ws.read_head()
        assert status == 401
        assert headers["x-reason"] == "no-token"
        assert headers["connection"] == "close"
        body = ws.read_all()
    assert body in (b"denied here", b"b\r\ndenied here\r\n0\r\n\r\n") or b"denied" in body


def test_close_before_accept_is_403_and_failure_is_500(echo_server: LiveServer) -> None:
    for path, status in (("/reject", 403), ("/fail-handshake", 500)):
        with RawWebSocket(echo_server) as ws:
            ws.send(upgrade_request(path))
            assert ws.read_head()[0] == status
            assert ws.is_closed()


def test_app_failure_after_accept_closes_1011(echo_server: LiveServer) -> None:
    with RawWebSocket(echo_server) as ws:
        ws.handshake("/fail")
        assert ws.read_frame().close_code == 1011


def test_invalid_handshakes(echo_server: LiveServer) -> None:
    bad = [
        (upgrade_request("/", key=b"short"), 400, None),
        (upgrade_request("/").replace(b"Version: 13", b"Version: 8"), 426, "13"),
        (upgrade_request("/").replace(b"GET", b"POST"), 400, None),
    ]
    for request, status, version in bad:
        with RawWebSocket(echo_server) as ws:
            ws.send(request)
            got, headers, _ = ws.read_head()
            assert got == status, request
            assert headers.get("sec-websocket-version") == version
            assert ws.is_closed()


def test_message_size_limit_is_1009(start_server: object) -> None:
    server: LiveServer = start_server("tests.websocket.apps:echo", "--ws-max-size", "1000")  # type: ignore[operator]
    with RawWebSocket(server) as ws:
        ws.handshake("/limit")
        ws.send(frame(BINARY, b"x" * 1000))
        assert ws.read_frame().payload == b"x" * 1000  # at the limit: fine
        ws.send(frame(BINARY, b"x" * 600, fin=False) + frame(CONTINUATION, b"x" * 600))
        assert ws.read_frame().close_code == 1009
        assert ws.is_closed()
    with RawWebSocket(server) as ws:  # one frame announcing more than the limit
        ws.handshake("/limit")
        ws.send(frame(BINARY, b"y" * 5000)[:200])
        assert ws.read_frame().close_code == 1009


def test_server_shutdown_closes_with_1012(start_server: object) -> None:
    server: LiveServer = start_server("tests.websocket.apps:echo")  # type: ignore[operator]
    with RawWebSocket(server) as ws:
        ws.handshake("/shutdown")
        server.signal(signal.SIGTERM)
        closing = ws.read_frame()
        assert closing.opcode == CLOSE and closing.close_code == 1012
        ws.send(close_frame(1012))
        assert ws.is_closed()
    assert server.wait(15) == 0


def test_slow_reader_slows_the_sender(echo_server: LiveServer) -> None:
    tag = f"t{time.monotonic_ns()}"
    with RawWebSocket(echo_server, timeout=30) as ws:
        ws.sock.setsockopt(__import__("socket").SOL_SOCKET, __import__("socket").SO_RCVBUF, 65536)
        ws.handshake(f"/flood?{tag}")
        time.sleep(1.0)
        sent = [int(e.split()[2]) for e in events(echo_server) if e.startswith(f"flood {tag} ")]
        assert max(sent, default=0) < 512  # 1024 x 64 KiB are offered: the app waits in send()
        received = 0
        while received < 1024:
            assert ws.read_frame().payload == b"f" * 65536
            received += 1
    assert f"flood {tag} 1024" in wait_for(echo_server, lambda e: e == f"flood {tag} 1024")


def test_app_that_does_not_receive_slows_the_client(echo_server: LiveServer) -> None:
    """Reading pauses while messages queue for the app: the client cannot push 64 MiB."""
    message = frame(BINARY, b"h" * 262144)
    with RawWebSocket(echo_server, timeout=30) as ws:
        ws.handshake("/hold")
        ws.sock.setblocking(False)
        pushed = 0
        deadline = time.monotonic() + 1.0
        pending = b""
        while time.monotonic() < deadline and pushed < 256:
            try:
                if not pending:
                    pending = message
                sent = ws.sock.send(pending)
                pending = pending[sent:]
                if not pending:
                    pushed += 1
            except BlockingIOError:
                time.sleep(0.01)
        assert pushed < 200, pushed  # held back well before 256 messages
        ws.sock.setblocking(True)
        if pending:
            ws.send(pending)
            pushed += 1
        ws.send(frame(TEXT, b"done"))
        answer = ws.read_frame().payload.decode()
    assert answer == f"{pushed} {pushed * 262144}"


def test_http_and_websocket_on_one_connection_and_port(echo_server: LiveServer) -> None:
    with RawWebSocket(echo_server) as ws:
        # a plain request, then the upgrade, pipelined in one segment
        ws.send(b"GET /chat HTTP/1.1\r\nHost: a\r\n\r\n" + upgrade_request("/chat"))
        status, headers, _ = ws.read_head()
        assert status == 200
        length = int(headers["content-length"])
        while len(ws.buffer) < length:
            ws._fill()
        assert ws.buffer[:length].startswith(b"http /chat on ")
        ws.buffer = ws.buffer[length:]
        assert ws.read_head()[0] == 101
        # plain HTTP on the same URL, on other connections, while the session is open
        assert httpx.get(echo_server.url + "/chat").text.startswith("http /chat on ")
        ws.send(frame(TEXT, b"still here"))
        assert ws.read_frame().payload == b"still here"


def test_mount_routes_websockets_by_prefix(server_pool: object, loop: str) -> None:
    pytest.importorskip("starlette")
    server: LiveServer = server_pool.get("tests.websocket.framework_apps:mounted", loop)  # type: ignore[attr-defined]
    with RawWebSocket(server) as ws:
        ws.handshake("/echo/inner")
        ws.send(frame(TEXT, b"scope"))
        scope = json.loads(ws.read_frame().payload)
    assert (scope["path"], scope["root_path"]) == ("/echo/inner", "/echo")
    with RawWebSocket(server) as ws:
        ws.send(upgrade_request("/nowhere"))
        assert ws.read_head()[0] == 404


def test_messages_before_a_protocol_error_are_still_answered(echo_server: LiveServer) -> None:
    with RawWebSocket(echo_server) as ws:
        ws.handshake("/strict")
        ws.send(frame(TEXT, b"first") + frame(TEXT, b"second") + frame(0x3, b"bad opcode"))
        assert ws.read_frame().payload == b"first"
        assert ws.read_frame().payload == b"second"
        assert ws.read_frame().close_code == 1002
        assert ws.is_closed()

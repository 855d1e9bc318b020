"""The WebSocket session over fakes: keepalive, timeouts, limits and queues, with no loop."""

from __future__ import annotations

import zlib
from typing import Any

from albany.config import Config
from albany.websocket.settings import WebSocketSettings
from tests.gateway.harness import Gate, Gateway
from tests.websocket.raw import (
    BINARY,
    CLOSE,
    PING,
    PONG,
    TEXT,
    close_frame,
    frame,
    parse_frames,
    upgrade_request,
)

DEFLATE = b"Sec-WebSocket-Extensions: permessage-deflate\r\n"


def accepting(log: list[Any], gate: Gate | None = None) -> Any:
    """An app that accepts, then records what it receives (after ``gate`` opens)."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        log.append(await receive())
        await send({"type": "websocket.accept"})
        if gate is not None:
            await gate
        while True:
            message = await receive()
            log.append(message)
            if message["type"] == "websocket.disconnect":
                return

    return app


def open_session(app: Any, extra: bytes = b"", **settings: Any) -> Gateway:
    gateway = Gateway(app, Config(websocket=WebSocketSettings(**settings)))
    gateway.feed(upgrade_request("/", extra))
    head, _, rest = gateway.transport.take().partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101 "), head
    gateway.transport.written.insert(0, rest)
    return gateway


def test_keepalive_ping_pong_and_timeout() -> None:
    log: list[Any] = []
    gateway = open_session(accepting(log), ping_interval=5.0, ping_timeout=2.0)
    gateway.clock.advance(4.9)
    assert gateway.transport.take() == b""
    gateway.clock.advance(0.2)
    assert parse_frames(gateway.transport.take()) == [(True, PING, b"albany")]
    gateway.feed(frame(PONG, b"albany"))
    gateway.clock.advance(4.0)  # answered: no close, next ping after the interval
    assert gateway.transport.take() == b""
    gateway.clock.advance(1.1)
    assert parse_frames(gateway.transport.take()) == [(True, PING, b"albany")]
    gateway.clock.advance(2.1)  # no pong this time
    (closing,) = parse_frames(gateway.transport.take())
    assert closing.close_code == 1011
    assert gateway.transport.closed
    assert log[-1] == {
        "type": "websocket.disconnect",
        "code": 1011,
        "reason": "keepalive ping timeout",
    }


def test_open_timeout_answers_503() -> None:
    log: list[Any] = []

    async def slow(scope: Any, receive: Any, send: Any) -> None:
        log.append(await receive())
        log.append(await receive())  # never accepts

    gateway = Gateway(slow, Config(websocket=WebSocketSettings(open_timeout=3.0)))
    gateway.feed(upgrade_request("/"))
    gateway.clock.advance(2.9)
    assert gateway.transport.take() == b""
    gateway.clock.advance(0.2)
    assert gateway.responses()[0].status == 503
    assert gateway.transport.closed
    assert log[-1]["type"] == "websocket.disconnect"


def test_close_timeout_drops_a_silent_peer() -> None:
    async def closer(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": 4000})
        await send({"type": "websocket.close"})  # a second close is ignored
        assert (await receive())["code"] == 1006

    gateway = open_session(closer, close_timeout=4.0)
    assert parse_frames(gateway.transport.take())[0].close_code == 4000
    gateway.clock.advance(3.9)
    assert not gateway.transport.closed
    gateway.clock.advance(0.2)
    assert gateway.transport.closed


def test_receive_queue_is_bounded() -> None:
    log: list[Any] = []
    gate = Gate()
    gateway = open_session(accepting(log, gate), max_queue=4)
    gateway.feed(b"".join(frame(TEXT, b"%d" % i) for i in range(3)))
    assert gateway.transport.reading
    gateway.feed(frame(TEXT, b"3"))
    assert not gateway.transport.reading  # four wait for the app: stop reading
    gate.open()
    assert gateway.transport.reading
    assert [m["text"] for m in log[1:]] == ["0", "1", "2", "3"]


def test_deflate_round_trip_and_bomb() -> None:
    log: list[Any] = []

    async def echo(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        while True:
            message = await receive()
            log.append(message)
            if message["type"] == "websocket.disconnect":
                return
            await send({"type": "websocket.send", "bytes": message["bytes"]})

    gateway = Gateway(echo, Config(websocket=WebSocketSettings(max_message_size=100_000)))
    gateway.feed(upgrade_request("/", DEFLATE))
    head, _, rest = gateway.transport.take().partition(b"\r\n\r\n")
    assert b"sec-websocket-extensions: permessage-deflate\r\n" in head + b"\r\n"

    def compress(data: bytes) -> bytes:
        compressor = zlib.compressobj(wbits=-15)
        return (compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH))[:-4]

    gateway.feed(frame(BINARY, compress(b"a" * 50_000), rsv1=True))
    (echoed,) = parse_frames(gateway.transport.take())
    assert echoed.opcode == BINARY
    assert zlib.decompressobj(-15).decompress(echoed.payload + b"\x00\x00\xff\xff") == b"a" * 50_000
    bomb = compress(b"\x00" * 10_000_000)  # about 10 KB on the wire
    assert len(bomb) < 20_000
    gateway.feed(frame(BINARY, bomb, rsv1=True))
    (closing,) = parse_frames(gateway.transport.take())
    assert closing.close_code == 1009
    assert log[-1]["code"] == 1009


def accepting_with(options: dict[str, Any]) -> Any:
    """An app that accepts with ``albany.websocket.options``, then echoes byte messages."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        assert "albany.websocket.options" in scope["extensions"]
        await receive()
        await send({"type": "websocket.accept", "albany.websocket.options": options})
        while (message := await receive())["type"] != "websocket.disconnect":
            await send({"type": "websocket.send", "bytes": message["bytes"]})

    return app


def test_session_options_decline_deflate() -> None:
    gateway = Gateway(accepting_with({"per_message_deflate": False}), Config())
    gateway.feed(upgrade_request("/", DEFLATE))
    head = gateway.transport.take().partition(b"\r\n\r\n")[0].lower()
    assert head.startswith(b"http/1.1 101 ")
    assert b"sec-websocket-extensions" not in head


def test_session_options_lower_the_limit_while_inflating() -> None:
    options = {"max_message_size": 1000, "too_big_reason": "message too big"}
    gateway = Gateway(accepting_with(options), Config())
    gateway.feed(upgrade_request("/", DEFLATE))
    head = gateway.transport.take().partition(b"\r\n\r\n")[0].lower()
    assert b"sec-websocket-extensions: permessage-deflate" in head
    compressor = zlib.compressobj(wbits=-15)
    small = (compressor.compress(b"a" * 1000) + compressor.flush(zlib.Z_SYNC_FLUSH))[:-4]
    gateway.feed(frame(BINARY, small, rsv1=True))
    assert parse_frames(gateway.transport.take())[0].opcode == BINARY  # at the limit: served
    compressor = zlib.compressobj(wbits=-15)
    bomb = (compressor.compress(b"\x00" * 10_000_000) + compressor.flush(zlib.Z_SYNC_FLUSH))[:-4]
    gateway.feed(frame(BINARY, bomb, rsv1=True))
    (closing,) = parse_frames(gateway.transport.take())
    assert closing.close_code == 1009
    assert closing.payload[2:] == b"message too big"


def test_session_options_never_raise_the_servers_limit() -> None:
    from albany.websocket.session import session_settings

    server = WebSocketSettings(max_message_size=100, per_message_deflate=False)
    narrowed = session_settings(server, {"max_message_size": 10_000, "per_message_deflate": True})
    assert narrowed.max_message_size == 100
    assert narrowed.frame_limit == 100
    assert narrowed.per_message_deflate is False
    assert session_settings(server, None) is server


def test_shutdown_waits_for_accept_then_closes_1012() -> None:
    gate = Gate()

    async def late(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await gate
        await send({"type": "websocket.accept"})
        assert (await receive()) == {"type": "websocket.disconnect", "code": 1012, "reason": ""}

    gateway = Gateway(late)
    gateway.feed(upgrade_request("/"))
    idle: list[None] = []
    gateway.state.begin_shutdown(idle.append)
    assert gateway.transport.take() == b""
    gate.open()
    data = gateway.transport.take()
    assert data.startswith(b"HTTP/1.1 101 ")
    (closing,) = parse_frames(data.partition(b"\r\n\r\n")[2])
    assert closing.close_code == 1012
    gateway.feed(close_frame(1012))
    assert gateway.transport.closed
    gateway.conn.connection_lost()
    assert idle == [None]
    assert CLOSE == closing.opcode


def test_control_frames_reach_an_app_that_asks() -> None:
    log: list[Any] = []

    async def pinger(scope: Any, receive: Any, send: Any) -> None:
        assert "albany.websocket.ping" in scope["extensions"]
        await receive()
        await send({"type": "websocket.accept", "albany.websocket.ping": True})
        await send({"type": "albany.websocket.ping", "bytes": b"are you there"})
        await send({"type": "albany.websocket.pong", "bytes": b"unsolicited"})
        while True:
            message = await receive()
            log.append(message)
            if message["type"] == "websocket.disconnect":
                return

    gateway = open_session(pinger, ping_interval=None)
    assert parse_frames(gateway.transport.take()) == [
        (True, PING, b"are you there"),
        (True, PONG, b"unsolicited"),
    ]
    gateway.feed(frame(PONG, b"are you there") + frame(PING, b"hello") + frame(TEXT, b"after"))
    assert parse_frames(gateway.transport.take()) == [(True, PONG, b"hello")]  # still answered
    assert log == [
        {"type": "albany.websocket.pong", "bytes": b"are you there"},
        {"type": "albany.websocket.ping", "bytes": b"hello"},
        {"type": "websocket.receive", "text": "after"},
    ]


def test_control_frames_stay_hidden_by_default_and_are_checked() -> None:
    log: list[Any] = []
    errors: list[BaseException] = []

    async def plain(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        try:
            await send({"type": "albany.websocket.ping", "bytes": b""})  # before accept
        except RuntimeError as error:
            errors.append(error)
        await send({"type": "websocket.accept"})
        try:
            await send({"type": "albany.websocket.ping", "bytes": b"x" * 126})
        except ValueError as error:
            errors.append(error)
        while True:
            message = await receive()
            log.append(message)
            if message["type"] == "websocket.disconnect":
                return

    gateway = open_session(plain, ping_interval=None)
    assert gateway.transport.take() == b""  # the oversized ping was refused, not sent
    gateway.feed(frame(PING, b"p") + frame(PONG, b"q") + frame(TEXT, b"t"))
    assert parse_frames(gateway.transport.take()) == [(True, PONG, b"p")]
    assert log == [{"type": "websocket.receive", "text": "t"}]
    assert [type(error) for error in errors] == [RuntimeError, ValueError]


def test_the_keepalive_pong_is_the_servers_alone() -> None:
    log: list[Any] = []

    async def listening(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept", "albany.websocket.ping": True})
        while True:
            message = await receive()
            log.append(message)
            if message["type"] == "websocket.disconnect":
                return

    gateway = open_session(listening, ping_interval=5.0, ping_timeout=2.0)
    gateway.clock.advance(5.1)
    assert parse_frames(gateway.transport.take()) == [(True, PING, b"albany")]
    gateway.feed(frame(PONG, b"albany") + frame(PONG, b"other"))
    gateway.clock.advance(4.0)  # the keepalive took its pong: no 1011
    assert not gateway.transport.closed
    assert log == [{"type": "albany.websocket.pong", "bytes": b"other"}]

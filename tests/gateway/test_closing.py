"""How a connection ends: in stages after a response (RFC 9112 §9.6), and its time limits.

Driven by hand over a ``FakeTransport`` that can half-close, as TCP transports can.
"""

from __future__ import annotations

from typing import Any

from albany.config import Config
from albany.gateway import ClientDisconnected, HttpConnection
from albany.testing import FakeTransport
from tests.gateway.harness import GET, Gate, Gateway, Receive, Send, parse_responses, respond

BAD = b"GET / HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n"


def half_closing(gateway: Gateway) -> tuple[FakeTransport, HttpConnection]:
    """A new connection on ``gateway`` whose transport can shut its write side alone."""
    transport = FakeTransport(half_close=True)
    connection = HttpConnection(
        gateway.state, transport, server=("127.0.0.1", 8000), client=("127.0.0.1", 5000)
    )
    return transport, connection


def test_an_error_response_shuts_the_write_side_and_reads_on() -> None:
    gate = Gate()

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        await gate
        await respond()(scope, receive, send)

    gateway = Gateway(app)
    transport, conn = half_closing(gateway)
    conn.data_received(GET + BAD)
    assert not transport.reading  # the error waits for the response owed before it
    gate.open()
    assert [r.status for r in parse_responses(transport.take())] == [200, 400]
    assert transport.eof_written and not transport.closed
    assert transport.reading  # lingering reads what still comes, and drops it
    conn.data_received(b"junk" * 100)
    assert not transport.closed and transport.take() == b""
    conn.eof_received()  # the client read the answers and closed
    assert transport.closed
    assert conn not in gateway.state.connections


def test_lingering_ends_after_its_size_limit() -> None:
    gateway = Gateway(respond(), Config(linger_max_size=1000, timeout_linger=600.0))
    transport, conn = half_closing(gateway)
    conn.data_received(BAD)
    conn.data_received(b"j" * 1000)
    assert not transport.closed
    conn.data_received(b"j")
    assert transport.closed


def test_lingering_ends_after_its_time_limit() -> None:
    gateway = Gateway(respond(), Config(timeout_linger=2.0, timeout_request_header=10.0))
    transport, conn = half_closing(gateway)
    conn.data_received(BAD)
    gateway.clock.advance(1.9)
    assert not transport.closed
    gateway.clock.advance(0.1)
    assert transport.closed


def test_a_connection_close_response_closes_in_stages() -> None:
    gateway = Gateway(respond())
    transport, conn = half_closing(gateway)
    conn.data_received(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n" + GET)
    assert transport.eof_written and not transport.closed
    conn.data_received(GET)  # after the last request: read and discarded
    assert transport.take().count(b"HTTP/1.1 200 ") == 1


def test_graceful_shutdown_ends_lingering() -> None:
    gateway = Gateway(respond())
    transport, conn = half_closing(gateway)
    conn.data_received(BAD)
    idle: list[None] = []
    gateway.state.begin_shutdown(idle.append)
    assert transport.closed


def test_without_half_close_an_error_closes() -> None:
    gateway = Gateway(respond())  # FakeTransport() offers no write_eof, as TLS transports
    gateway.feed(BAD)
    assert gateway.transport.closed


def test_an_idle_timeout_closes_at_once() -> None:
    gateway = Gateway(respond(), Config(timeout_keep_alive=5.0))
    transport, conn = half_closing(gateway)
    conn.data_received(GET)
    gateway.clock.advance(5.0)
    assert transport.closed and not transport.eof_written


# A body that stalls (--timeout-body)

POST_HEAD = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n"


def body_reader(seen: list[Any]) -> Any:
    """An app that reads the body (recording each message) and then answers."""

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            seen.append(message["type"])
            if message["type"] == "http.disconnect" or not message.get("more_body"):
                break
        await respond()(scope, receive, send)

    return app


def test_a_stalled_body_is_408_and_the_app_sees_a_disconnect() -> None:
    seen: list[Any] = []
    gateway = Gateway(body_reader(seen), Config(timeout_body=30.0, timeout_request_header=60.0))
    gateway.feed(POST_HEAD % 100 + b"x" * 10)
    gateway.clock.advance(20.0)
    gateway.feed(b"x" * 10)  # progress moves the deadline
    gateway.clock.advance(29.9)
    assert not gateway.transport.closed
    gateway.clock.advance(0.1)
    assert [r.status for r in gateway.responses()] == [408]
    assert gateway.transport.closed
    assert seen[-1] == "http.disconnect"


def test_a_body_stalled_after_the_response_began_closes() -> None:
    async def app(scope: Any, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"part", "more_body": True})
        while (await receive())["type"] != "http.disconnect":
            pass

    gateway = Gateway(app, Config(timeout_body=5.0))
    transport, conn = half_closing(gateway)
    conn.data_received(POST_HEAD % 100 + b"x" * 10)
    gateway.clock.advance(5.0)
    assert transport.eof_written  # closing in stages; no 408 after a 200 began
    assert b"408" not in transport.take()


def test_a_body_is_not_timed_out_while_the_app_is_behind() -> None:
    gate = Gate()

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        await gate
        await respond()(scope, receive, send)

    gateway = Gateway(app, Config(timeout_body=5.0, high_water=100))
    gateway.feed(POST_HEAD % 1000 + b"x" * 200)
    assert not gateway.transport.reading  # the app has not read: reading paused
    gateway.clock.advance(60.0)
    assert not gateway.transport.closed


def test_a_pipelined_body_that_stalls_times_out_once_its_request_starts() -> None:
    gate = Gate()
    seen: list[Any] = []

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        if scope["method"] == "GET":
            await gate
            await respond()(scope, receive, send)
        else:
            await body_reader(seen)(scope, receive, send)

    gateway = Gateway(app, Config(timeout_body=5.0, timeout_request_header=60.0))
    gateway.feed(GET + POST_HEAD % 100 + b"x" * 10)
    gateway.clock.advance(30.0)  # the first app is slow: nothing is the client's fault
    assert not gateway.transport.closed
    gate.open()
    gateway.clock.advance(4.9)
    assert not gateway.transport.closed
    gateway.clock.advance(0.1)
    assert [r.status for r in gateway.responses()] == [200, 408]
    assert seen[-1] == "http.disconnect"


# A client that stops reading (--timeout-write)


def test_a_client_that_stops_reading_is_dropped() -> None:
    gateway = Gateway(respond(), Config(timeout_write=60.0, timeout_keep_alive=5.0))
    gateway.conn.pause_writing()  # what was written sits over the high-water mark
    gateway.feed(GET)  # answered (a last piece never waits): idle, but not for keep-alive
    gateway.clock.advance(59.9)  # the keep-alive timeout does not end it earlier
    assert not gateway.transport.closed
    gateway.clock.advance(0.1)
    assert gateway.transport.aborted


def test_a_client_that_reads_again_in_time_is_kept() -> None:
    gateway = Gateway(respond(), Config(timeout_write=60.0, timeout_keep_alive=5.0))
    gateway.feed(GET)
    gateway.conn.pause_writing()
    gateway.clock.advance(59.0)
    gateway.conn.resume_writing()
    gateway.clock.advance(4.9)
    assert not gateway.transport.closed  # idle now: the keep-alive timeout counts from here
    gateway.clock.advance(0.1)
    assert gateway.transport.closed and not gateway.transport.aborted


def test_a_streaming_app_waits_on_a_paused_client_until_the_write_timeout() -> None:
    outcome: list[str] = []

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"x", "more_body": True})
        try:
            await send({"type": "http.response.body", "body": b"y", "more_body": True})
        except ClientDisconnected:
            outcome.append("disconnected")
            raise

    gateway = Gateway(app, Config(timeout_write=10.0))
    gateway.conn.pause_writing()
    gateway.feed(GET)
    gateway.clock.advance(10.0)
    assert gateway.transport.aborted
    gateway.conn.connection_lost()  # as the backend reports after abort()
    assert outcome == ["disconnected"]


# Requests read ahead (--limit-pipelined-requests)


def test_reading_pauses_beyond_the_pipelined_requests_limit() -> None:
    gate = Gate()

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        if scope["path"] == "/slow":
            await gate
        await respond(scope["path"].encode())(scope, receive, send)

    gateway = Gateway(app, Config(max_pipelined_requests=3))
    slow = b"GET /slow HTTP/1.1\r\nHost: a\r\n\r\n"
    gateway.feed(slow + GET * 3)
    assert gateway.transport.reading  # three wait: at the limit
    gateway.feed(GET)
    assert not gateway.transport.reading
    gate.open()
    assert [r.body for r in gateway.responses()] == [b"/slow"] + [b"/"] * 4
    assert gateway.transport.reading


def test_reading_pauses_when_pipelined_bodies_exceed_the_high_water_mark() -> None:
    gate = Gate()

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        if scope["path"] == "/slow":
            await gate
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"%d" % len(await read_all(receive))})

    gateway = Gateway(app, Config(high_water=100))
    gateway.feed(b"GET /slow HTTP/1.1\r\nHost: a\r\n\r\n" + POST_HEAD % 150 + b"x" * 100)
    assert gateway.transport.reading
    gateway.feed(b"x" * 50)
    assert not gateway.transport.reading
    gate.open()
    assert [r.body for r in gateway.responses()] == [b"0", b"150"]
    assert gateway.transport.reading


async def read_all(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)

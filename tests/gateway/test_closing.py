"""How a connection ends: in stages after a response (RFC 9112 §9.6), and its time limits.

Driven by hand over a ``FakeTransport`` that can half-close, as TCP transports can.
"""

from __future__ import annotations

from typing import Any

from albany.config import Config
from albany.gateway import HttpConnection
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

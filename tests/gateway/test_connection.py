"""HttpConnection and RequestCycle driven by hand: fake transport, manual clock, no loop."""

from __future__ import annotations

import logging
from typing import Any

import pytest

import albany
from albany.config import Config
from albany.gateway import ClientDisconnected
from albany.gateway.connection import FIRST_REQUEST_GRACE
from albany.http1 import Limits
from albany.spec import ASGI_VERSIONS
from albany.types import Message

from .harness import GET, App, Gate, Gateway, Receive, Send, parse_responses, read_body, respond

POST_HEAD = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n"


def start(status: int = 200, headers: list[tuple[bytes, bytes]] | None = None) -> Message:
    """An ``http.response.start`` message."""
    return {"type": "http.response.start", "status": status, "headers": headers or []}


def body(data: bytes = b"", more_body: bool = False) -> Message:
    """An ``http.response.body`` message."""
    return {"type": "http.response.body", "body": data, "more_body": more_body}


def echo() -> App:
    """An app that answers with the request body it read."""

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        data = await read_body(receive)
        await send(start())
        await send(body(data))

    return app


# Requests and responses


def test_response_is_written() -> None:
    gateway = Gateway(respond(b"hello", headers=[(b"content-type", b"text/plain")]))
    gateway.feed(GET)
    [response] = gateway.responses()
    assert response.status == 200
    assert response.body == b"hello"
    assert response.header(b"content-type") == b"text/plain"
    assert response.header(b"content-length") == b"5"
    assert response.header(b"server") == b"albany"
    assert response.header(b"date") is not None
    assert response.header(b"connection") is None
    assert not gateway.transport.closed


def test_scope() -> None:
    scopes: list[Any] = []

    @albany.flavour("neutral")
    async def app(scope: Any, receive: Receive, send: Send) -> None:
        scopes.append(scope)
        await respond()(scope, receive, send)

    gateway = Gateway(app, Config(root_path="/root"))
    gateway.feed(b"GET /a%20b?x=%20 HTTP/1.1\r\nHost: a\r\nX-Thing: 1\r\n\r\n")
    [scope] = scopes
    assert scope == {
        "type": "http",
        "asgi": ASGI_VERSIONS,
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 5000),
        "scheme": "http",
        "method": "GET",
        "root_path": "/root",
        "path": "/root/a b",  # the path as sent, before a proxy took the root_path off
        "raw_path": b"/root/a%20b",
        "query_string": b"x=%20",
        "headers": [(b"host", b"a"), (b"x-thing", b"1")],
        "state": {},
        "extensions": {
            "albany": {
                "backend": "asyncio",
                "flavour": "neutral",
                "spec_version": gateway.state.endpoints.served[0].extension["spec_version"],
                "helpers": gateway.runner.helpers,
            },
            "albany.http.reason": {},
            "albany.http.abort": {},
        },
    }


def test_request_body_reaches_the_app_across_reads() -> None:
    gateway = Gateway(echo())
    gateway.feed(POST_HEAD % 11 + b"hello")
    assert gateway.transport.take() == b""
    gateway.feed(b" world")
    [response] = gateway.responses()
    assert response.body == b"hello world"


def test_chunked_request_body_reaches_the_app() -> None:
    gateway = Gateway(echo())
    gateway.feed(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")
    gateway.feed(b"2\r\nde\r\n0\r\n\r\n")
    assert [r.body for r in gateway.responses()] == [b"abcde"]


def test_an_upgrade_albany_does_not_take_is_plain_http_body_and_all() -> None:
    gateway = Gateway(echo())
    gateway.feed(b"POST / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n")
    gateway.feed(b"Content-Length: 5\r\n\r\nhel")
    gateway.feed(b"lo" + GET)
    assert [(r.status, r.body) for r in gateway.responses()] == [(200, b"hello"), (200, b"")]
    assert not gateway.transport.closed


def test_streamed_response_is_chunked() -> None:
    async def app(scope: Any, receive: Receive, send: Send) -> None:
        await send(start())
        await send(body(b"one ", more_body=True))
        await send(body(b"two", more_body=True))
        await send(body())

    gateway = Gateway(app)
    gateway.feed(GET)
    [response] = gateway.responses()
    assert response.header(b"transfer-encoding") == b"chunked"
    assert response.body == b"one two"
    assert not gateway.transport.closed


def test_keep_alive_serves_requests_one_after_another() -> None:
    gateway = Gateway(respond())
    for _ in range(3):
        gateway.feed(GET)
        assert [r.status for r in gateway.responses()] == [200]
    assert not gateway.transport.closed


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET / HTTP/1.0\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    ],
    ids=["http-1.0", "connection-close"],
)
def test_connection_closes_after_a_last_request(request_bytes: bytes) -> None:
    gateway = Gateway(respond())
    gateway.feed(request_bytes)
    [response] = gateway.responses()
    assert response.body == b"hello"
    assert gateway.transport.closed


def test_pipelined_requests_answered_in_order_when_the_first_is_slow() -> None:
    gate = Gate()
    started: list[str] = []

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        started.append(scope["path"])
        if scope["path"] == "/slow":
            await gate
        await send(start())
        await send(body(scope["path"].encode()))

    gateway = Gateway(app)
    gateway.feed(
        b"GET /slow HTTP/1.1\r\nHost: a\r\n\r\n"
        b"POST /post HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
        b"GET /fast HTTP/1.1\r\nHost: a\r\n\r\n"
    )
    assert started == ["/slow"]  # one request at a time
    assert gateway.transport.take() == b""
    gate.open()
    assert [r.body for r in gateway.responses()] == [b"/slow", b"/post", b"/fast"]
    assert started == ["/slow", "/post", "/fast"]
    assert not gateway.transport.closed


def test_unread_body_is_drained_before_the_next_request() -> None:
    gateway = Gateway(respond(b"ignored your body"))
    gateway.feed(POST_HEAD % 10 + b"abc")
    assert [r.status for r in gateway.responses()] == [200]
    gateway.feed(b"defghij" + GET)
    assert [r.status for r in gateway.responses()] == [200]
    assert not gateway.transport.closed


def test_receive_after_the_response_is_disconnect() -> None:
    received: list[Message] = []

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        await respond()(scope, receive, send)
        received.append(await receive())
        received.append(await receive())

    gateway = Gateway(app)
    gateway.feed(GET)
    assert received == [
        {"type": "http.request", "body": b"", "more_body": False},
        {"type": "http.disconnect"},
    ]


# Flow control


def test_reading_paused_until_the_app_consumes_the_body() -> None:
    first, second = Gate(), Gate()
    received: list[int] = []

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        await first
        received.append(len((await receive())["body"]))
        await second
        received.append(len(await read_body(receive)))
        await respond()(scope, receive, send)

    gateway = Gateway(app, Config(high_water=100))
    transport = gateway.transport
    gateway.feed(POST_HEAD % 1000 + b"x" * 50)
    assert transport.reading  # under the high-water mark
    gateway.feed(b"x" * 100)
    assert not transport.reading
    first.open()
    assert received == [150]
    assert transport.reading
    gateway.feed(b"x" * 300)
    assert not transport.reading
    second.open()
    assert transport.reading
    gateway.feed(b"x" * 550)
    assert received == [150, 850]
    assert [r.status for r in gateway.responses()] == [200]
    assert transport.reading


def test_many_pipelined_requests_pause_reading() -> None:
    gate = Gate()

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        if scope["path"] == "/slow":
            await gate
        await respond(scope["path"].encode())(scope, receive, send)

    gateway = Gateway(app)
    paths = [b"/slow"] + [b"/%d" % i for i in range(30)]
    gateway.feed(b"".join(b"GET %s HTTP/1.1\r\nHost: a\r\n\r\n" % path for path in paths))
    assert not gateway.transport.reading
    gate.open()
    assert [r.body for r in gateway.responses()] == paths
    assert gateway.transport.reading


def test_send_waits_while_writing_is_paused() -> None:
    progress: list[str] = []

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        await send(start())
        await send(body(b"one ", more_body=True))
        progress.append("one")
        await send(body(b"two", more_body=True))
        progress.append("two")
        await send(body())
        progress.append("done")

    gateway = Gateway(app)
    gateway.conn.pause_writing()
    gateway.feed(GET)
    assert progress == []
    assert b"one " in gateway.transport.take()  # written, then the app waits
    gateway.conn.resume_writing()
    assert progress == ["one", "two", "done"]


def test_send_wait_ends_when_the_client_goes() -> None:
    outcome: list[str] = []

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        await send(start())
        await send(body(b"x", more_body=True))
        try:
            await send(body(b"y", more_body=True))
        except ClientDisconnected:
            outcome.append("disconnected")
            raise

    gateway = Gateway(app)
    gateway.conn.pause_writing()
    gateway.feed(GET)
    gateway.conn.connection_lost()
    assert outcome == ["disconnected"]


# App errors


def raise_after(*messages: Message) -> App:
    """An app that sends ``messages`` and then raises."""

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        for message in messages:
            await send(message)
        raise RuntimeError("app failure")

    return app


def return_after(*messages: Message) -> App:
    """An app that sends ``messages`` and then returns."""

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        for message in messages:
            await send(message)

    return app


@pytest.mark.parametrize(
    "app",
    [
        raise_after(),
        raise_after(start()),  # the head is held until the first body piece
        return_after(),
        return_after(start()),
    ],
    ids=["raise", "raise-after-start", "return", "return-after-start"],
)
def test_app_failing_before_its_response_is_on_the_wire_gets_500(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    gateway = Gateway(app)
    with caplog.at_level(logging.ERROR, logger="albany.error"):
        gateway.feed(GET)
    [response] = gateway.responses()
    assert response.status == 500
    assert response.header(b"connection") == b"close"
    assert gateway.transport.closed
    assert [r.name for r in caplog.records] == ["albany.error"]


def test_the_500_albany_writes_for_a_failed_app_is_in_the_access_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    gateway = Gateway(raise_after())
    with caplog.at_level(logging.INFO, logger="albany.access"):
        gateway.feed(b"GET /broken?x=1 HTTP/1.1\r\nHost: a\r\n\r\n")

    assert [response.status for response in gateway.responses()] == [500]
    [line] = [r.getMessage() for r in caplog.records if r.name == "albany.access"]
    assert line == '127.0.0.1:5000 - "GET /broken?x=1 HTTP/1.1" 500'


@pytest.mark.parametrize(
    "app",
    [raise_after(start(), body(b"partial", True)), return_after(start(), body(b"partial", True))],
    ids=["raise", "return"],
)
def test_app_failing_after_its_response_started_closes(app: App) -> None:
    gateway = Gateway(app)
    gateway.feed(GET)
    written = gateway.transport.take()
    assert written.startswith(b"HTTP/1.1 200 OK\r\n")
    assert written.endswith(b"7\r\npartial\r\n")  # no last chunk, no 500
    assert gateway.transport.closed


def test_unexpected_message_gets_500() -> None:
    gateway = Gateway(return_after({"type": "http.response.nonsense"}))
    gateway.feed(GET)
    assert [r.status for r in gateway.responses()] == [500]


@pytest.mark.parametrize(
    "headers",
    [[(b"x bad", b"value")], [(b"content-length", b"3")]],
    ids=["bad-header-name", "body-longer-than-content-length"],
)
def test_response_rejected_by_the_writer_gets_500(headers: list[tuple[bytes, bytes]]) -> None:
    gateway = Gateway(respond(b"hello", headers=headers))
    gateway.feed(GET)
    assert [r.status for r in gateway.responses()] == [500]
    assert gateway.transport.closed


# The client going away


def test_disconnect_reaches_an_app_waiting_in_receive() -> None:
    received: list[Message] = []

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        received.append(await receive())
        received.append(await receive())

    gateway = Gateway(app)
    gateway.feed(POST_HEAD % 10 + b"abc")
    assert received == [{"type": "http.request", "body": b"abc", "more_body": True}]
    gateway.conn.connection_lost()
    assert received[1:] == [{"type": "http.disconnect"}]
    assert gateway.state.connections == set()


def test_send_after_the_client_went_raises_quietly(caplog: pytest.LogCaptureFixture) -> None:
    gate = Gate()
    errors: list[BaseException] = []

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        await gate
        try:
            await send(start())
        except OSError as error:
            errors.append(error)
            raise

    gateway = Gateway(app)
    with caplog.at_level(logging.ERROR, logger="albany.error"):
        gateway.feed(GET)
        gateway.conn.connection_lost()
        gate.open()
    assert [type(e) for e in errors] == [ClientDisconnected]
    assert caplog.records == []
    assert gateway.transport.written == []


def test_eof_closes_an_idle_connection() -> None:
    gateway = Gateway(respond())
    gateway.feed(GET)
    gateway.responses()
    gateway.conn.eof_received()
    assert gateway.transport.closed


def test_eof_with_a_request_in_flight_disconnects_the_app() -> None:
    received: list[Message] = []

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        received.append(await receive())
        received.append(await receive())

    gateway = Gateway(app)
    gateway.feed(POST_HEAD % 10 + b"abc")
    gateway.conn.eof_received()
    assert received[1:] == [{"type": "http.disconnect"}]
    assert gateway.transport.closed
    assert gateway.state.connections == set()


# Timeouts


@pytest.mark.parametrize("idle_before", [0.0, 7.0], ids=["at-once", "after-7s"])
def test_idle_keep_alive_connection_closes_after_the_timeout(idle_before: float) -> None:
    config = Config(timeout_keep_alive=5.0, timeout_request_header=10.0)
    gateway = Gateway(respond(), config)
    gateway.clock.advance(idle_before)
    gateway.feed(GET)
    gateway.responses()
    gateway.clock.advance(config.timeout_keep_alive - 0.1)
    assert not gateway.transport.closed
    gateway.clock.advance(0.1)
    assert gateway.transport.closed
    assert gateway.transport.take() == b""  # closed without a word


def test_a_new_request_clears_the_keep_alive_timeout() -> None:
    config = Config(timeout_keep_alive=5.0, timeout_request_header=5.0)
    gateway = Gateway(respond(), config)
    gateway.feed(GET)
    gateway.clock.advance(4.0)
    gateway.feed(GET)
    gateway.clock.advance(4.0)
    assert not gateway.transport.closed
    assert len(gateway.responses()) == 2


def trickle(gateway: Gateway, data: bytes, seconds: int) -> None:
    """Send one byte of ``data`` a second, for ``seconds`` seconds."""
    for byte in data[:seconds]:
        gateway.feed(bytes([byte]))
        gateway.clock.advance(1.0)


def test_trickled_head_times_out_with_408() -> None:
    config = Config(timeout_request_header=10.0)
    gateway = Gateway(respond(), config)
    head = b"GET / HTTP/1.1\r\nHost: a\r\nX-Slow: " + b"z" * 100
    trickle(gateway, head, 9)
    assert not gateway.transport.closed
    trickle(gateway, head[9:], 1)
    assert [r.status for r in gateway.responses()] == [408]
    assert gateway.transport.closed


def test_trickled_second_head_times_out_with_408() -> None:
    config = Config(timeout_keep_alive=5.0, timeout_request_header=10.0)
    gateway = Gateway(respond(), config)
    gateway.feed(GET)
    gateway.responses()
    gateway.clock.advance(1.0)  # the second head starts while the keep-alive timer runs
    head = b"GET / HTTP/1.1\r\nHost: a\r\nX-Slow: " + b"z" * 100
    trickle(gateway, head, 9)
    assert not gateway.transport.closed
    trickle(gateway, head[9:], 1)
    assert [r.status for r in gateway.responses()] == [408]
    assert gateway.transport.closed


def test_a_slow_app_is_not_timed_out() -> None:
    gate = Gate()

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        await gate
        await respond()(scope, receive, send)

    gateway = Gateway(app)
    gateway.feed(GET)
    gateway.clock.advance(100.0)
    assert not gateway.transport.closed
    gate.open()
    assert [r.status for r in gateway.responses()] == [200]


# 100-continue

EXPECT_HEAD = b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"


def test_continue_written_when_the_app_first_asks_for_the_body() -> None:
    gate = Gate()

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        await gate
        await echo()(scope, receive, send)

    gateway = Gateway(app)
    gateway.feed(EXPECT_HEAD)
    assert gateway.transport.take() == b""
    gate.open()
    assert gateway.transport.take() == b"HTTP/1.1 100 Continue\r\n\r\n"
    gateway.feed(b"a")
    gateway.feed(b"bc")
    [response] = gateway.responses()
    assert (response.status, response.body) == (200, b"abc")
    assert not gateway.transport.closed


def test_no_continue_when_the_app_answers_without_the_body() -> None:
    gateway = Gateway(respond(b"no thanks"))
    gateway.feed(EXPECT_HEAD)
    [response] = gateway.responses()
    assert response.status == 200
    # the client may still send the body: nothing reads it, so the connection ends
    assert response.header(b"connection") == b"close"
    assert gateway.transport.closed


# Protocol errors


@pytest.mark.parametrize(
    ("request_bytes", "limits", "status"),
    [
        (b"GET / HTTP/1.1\r\n\r\n", Limits(), 400),
        (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", Limits(), 400),
        (b"GET /" + b"a" * 100 + b" HTTP/1.1\r\n", Limits(max_request_line=64), 414),
        (b"GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n", Limits(max_header_count=2), 431),
        (POST_HEAD % 100, Limits(max_body_size=10), 413),
    ],
    ids=["no-host", "gzip", "long-target", "header-count", "content-length"],
)
def test_protocol_error_is_answered_and_closes(
    request_bytes: bytes, limits: Limits, status: int
) -> None:
    gateway = Gateway(respond(), Config(limits=limits))
    gateway.feed(request_bytes)
    [response] = gateway.responses()
    assert response.status == status
    assert response.header(b"connection") == b"close"
    assert gateway.transport.closed
    gateway.feed(GET)  # nothing more is read
    assert gateway.transport.written == []


def test_body_over_limit_while_streaming_is_413_and_disconnects_the_app() -> None:
    received: list[Message] = []

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            received.append(message)
            if message["type"] == "http.disconnect":
                return

    gateway = Gateway(app, Config(limits=Limits(max_body_size=8)))
    gateway.feed(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
    gateway.feed(b"5\r\nworld\r\n")
    assert received[-1] == {"type": "http.disconnect"}
    assert [r.status for r in gateway.responses()] == [413]
    assert gateway.transport.closed


@pytest.mark.parametrize("slow", [False, True], ids=["fast", "slow"])
def test_protocol_error_answered_after_the_responses_owed(slow: bool) -> None:
    gate = Gate()

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        if slow:
            await gate
        await respond()(scope, receive, send)

    gateway = Gateway(app)
    gateway.feed(GET + b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
    gate.open()
    assert [r.status for r in gateway.responses()] == [200, 400]
    assert gateway.transport.closed


# HEAD


@pytest.mark.parametrize("streamed", [False, True])
def test_head_response_has_no_body_bytes(streamed: bool) -> None:
    async def app(scope: Any, receive: Receive, send: Send) -> None:
        await send(start())
        await send(body(b"hello", more_body=streamed))
        if streamed:
            await send(body(b" world"))

    gateway = Gateway(app)
    gateway.feed(b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\n")
    written = gateway.transport.take()
    assert written.endswith(b"\r\n\r\n")
    [response] = parse_responses(written, head=True)
    assert response.status == 200
    assert response.header(b"transfer-encoding") is None
    assert response.header(b"content-length") in (None, b"5")
    # the connection is still in step: the next response is read correctly
    gateway.feed(GET)
    expected = b"hello world" if streamed else b"hello"
    assert [(r.status, r.body) for r in gateway.responses()] == [(200, expected)]


# Graceful shutdown


def test_shutdown_closes_idle_connections_at_once_and_busy_ones_after_their_response() -> None:
    gate = Gate()

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        if scope["path"] == "/wait":
            await gate
        await respond()(scope, receive, send)

    gateway = Gateway(app)
    busy_transport, busy = gateway.transport, gateway.conn
    idle_transport, idle = gateway.connect()
    idle.data_received(GET)  # served: idle after its response, keep-alive
    assert [r.status for r in parse_responses(idle_transport.take())] == [200]
    assert not idle_transport.closed
    gateway.feed(GET.replace(b"/", b"/wait", 1) + GET)  # one in flight, one pipelined
    idle_calls: list[None] = []
    gateway.state.begin_shutdown(idle_calls.append)
    assert idle_transport.closed
    assert not busy_transport.closed
    idle.connection_lost()  # the backend reports the close
    assert idle_calls == []
    gate.open()
    [response] = gateway.responses()  # the pipelined request is dropped
    assert response.header(b"connection") == b"close"
    assert busy_transport.closed
    assert idle_calls == []
    busy.connection_lost()
    assert idle_calls == [None]
    assert gateway.state.connections == set()


def test_shutdown_serves_the_first_request_of_a_connection_accepted_just_before() -> None:
    gateway = Gateway(respond())
    idle_calls: list[None] = []
    gateway.state.begin_shutdown(idle_calls.append)
    assert not gateway.transport.closed  # its request may be on the way
    gateway.feed(GET)
    [response] = gateway.responses()
    assert (response.status, response.body) == (200, b"hello")
    assert response.header(b"connection") == b"close"
    assert gateway.transport.closed
    gateway.conn.connection_lost()
    assert idle_calls == [None]


def test_shutdown_finishes_reading_a_first_request_head_that_has_begun() -> None:
    gateway = Gateway(respond())
    gateway.feed(GET[:10])
    gateway.state.begin_shutdown(lambda _: None)
    assert not gateway.transport.closed
    gateway.feed(GET[10:])
    [response] = gateway.responses()
    assert response.status == 200 and gateway.transport.closed


def test_shutdown_closes_a_connection_that_sends_nothing_after_the_grace() -> None:
    gateway = Gateway(respond())
    gateway.state.begin_shutdown(lambda _: None)
    gateway.clock.advance(FIRST_REQUEST_GRACE - 0.01)
    assert not gateway.transport.closed
    gateway.clock.advance(0.02)
    assert gateway.transport.closed
    assert gateway.transport.take() == b""  # closed quietly: no 408 to a silent client


def test_shutdown_without_connections_is_idle_at_once() -> None:
    gateway = Gateway(respond())
    gateway.conn.connection_lost()
    idle_calls: list[None] = []
    gateway.state.begin_shutdown(idle_calls.append)
    assert idle_calls == [None]


def test_force_close_closes_busy_connections() -> None:
    async def app(scope: Any, receive: Receive, send: Send) -> None:
        await Gate()  # never opened

    gateway = Gateway(app)
    gateway.feed(GET)
    gateway.state.force_close()
    assert gateway.transport.closed


def test_shutdown_closes_a_streaming_keep_alive_response_when_it_ends() -> None:
    gate = Gate()

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"head out", "more_body": True})
        await gate
        await send({"type": "http.response.body", "body": b""})

    gateway = Gateway(app)
    gateway.feed(GET)
    idle_calls: list[None] = []
    gateway.state.begin_shutdown(idle_calls.append)  # the head already promised keep-alive
    assert not gateway.transport.closed
    gate.open()
    assert gateway.transport.closed  # not left open until the keep-alive timeout
    gateway.conn.connection_lost()
    assert idle_calls == [None]


def test_bad_body_after_start_but_before_any_byte_gets_its_error_response() -> None:
    gate = Gate()

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await gate

    gateway = Gateway(app)
    gateway.feed(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
    gateway.feed(b"zz\r\n")  # not a chunk size
    [response] = gateway.responses()
    assert response.status == 400
    assert gateway.transport.closed


# A pipelined request whose own body is malformed

FEED_MODES = ("whole", "bytewise", "trailing")


def feed_in(gateway: Gateway, data: bytes, mode: str) -> None:
    """Feed ``data`` whole, byte by byte, or followed by a valid next request."""
    if mode == "bytewise":
        for i in range(len(data)):
            gateway.feed(data[i : i + 1])
    else:
        gateway.feed(data if mode == "whole" else data + GET)


@pytest.mark.parametrize("mode", FEED_MODES)
@pytest.mark.parametrize("slow", [False, True], ids=["answered-at-once", "still-running"])
@pytest.mark.parametrize(
    "broken",
    [
        b"Transfer-Encoding: chunked\r\n\r\nX\r\n",
        b"Transfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nBad\x00Name: v\r\n\r\n",
    ],
    ids=["bad-chunk-size", "nul-in-trailer-name"],
)
def test_pipelined_request_with_a_malformed_body_is_400_and_its_app_sees_a_disconnect(
    mode: str, slow: bool, broken: bytes
) -> None:
    gate = Gate()
    seen: dict[str, list[Message]] = {"/1": [], "/2": []}

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        if slow and scope["path"] == "/1":
            await gate
        while True:
            message = await receive()
            seen[scope["path"]].append(message)
            if message["type"] == "http.disconnect" or not message["more_body"]:
                break
        if message["type"] == "http.disconnect":
            raise ClientDisconnected("gone")
        await send(start())
        await send(body(b"ok"))

    gateway = Gateway(app)
    first = b"POST /1 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
    feed_in(gateway, first + b"POST /2 HTTP/1.1\r\nHost: h\r\n" + broken, mode)
    gate.open()
    assert [r.status for r in gateway.responses()] == [200, 400]
    assert gateway.transport.closed
    assert seen["/2"][-1] == {"type": "http.disconnect"}
    assert all(m.get("more_body", True) for m in seen["/2"] if m["type"] == "http.request")


@pytest.mark.parametrize("mode", FEED_MODES)
def test_no_request_after_one_that_closes_the_connection_reaches_the_app(mode: str) -> None:
    paths: list[str] = []

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        paths.append(scope["path"])
        await respond()(scope, receive, send)

    gateway = Gateway(app)
    close = b"GET /1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
    feed_in(gateway, close + b"GET /2 HTTP/1.1\r\nHost: a\r\n\r\n", mode)
    assert paths == ["/1"]
    assert [r.status for r in gateway.responses()] == [200]
    assert gateway.transport.closed


@pytest.mark.parametrize("mode", FEED_MODES)
def test_http_1_0_chunked_keep_alive_request_closes_after_its_response(mode: str) -> None:
    paths: list[str] = []

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        paths.append(scope["path"])
        await echo()(scope, receive, send)

    gateway = Gateway(app)
    request = (
        b"POST /1 HTTP/1.0\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n"
        b"2\r\nhi\r\n0\r\n\r\n"
    )
    feed_in(gateway, request + b"GET /2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", mode)
    assert paths == ["/1"]
    [response] = parse_responses(gateway.transport.take())
    assert response.body == b"hi"
    assert response.header(b"connection") is None  # HTTP/1.0 without keep-alive
    assert gateway.transport.closed


# Reason phrases: the albany.http.reason extension


@pytest.mark.parametrize("mode", FEED_MODES)
def test_an_apps_reason_phrase_reaches_the_status_line(mode: str) -> None:
    async def app(scope: Any, receive: Receive, send: Send) -> None:
        assert scope["extensions"]["albany.http.reason"] == {}
        await send({**start(299), "reason": "Mostly Fine"})
        await send(body(b"ok"))

    gateway = Gateway(app)
    feed_in(gateway, GET, mode)
    assert gateway.transport.take().startswith(b"HTTP/1.1 299 Mostly Fine\r\n")


@pytest.mark.parametrize("reason", ["Bad\r\nx-injected: 1", "\x00", "\u20ac"])
def test_an_invalid_reason_phrase_gets_500(reason: str, caplog: pytest.LogCaptureFixture) -> None:
    async def app(scope: Any, receive: Receive, send: Send) -> None:
        await send({**start(), "reason": reason})
        await send(body(b"ok"))

    gateway = Gateway(app)
    with caplog.at_level(logging.ERROR, logger="albany.error"):
        gateway.feed(GET)
    assert [r.status for r in gateway.responses()] == [500]
    assert gateway.transport.closed
    assert "Invalid reason phrase" in caplog.text


# Ending a request with no response: the albany.http.abort extension

ABORT: Message = {"type": "albany.http.abort"}


@pytest.mark.parametrize(
    ("app", "logged"),
    [
        (return_after(ABORT), []),
        (return_after(start(), ABORT), []),
        (raise_after(ABORT), ["Exception in ASGI application"]),  # logged, not answered
    ],
    ids=["abort", "abort-after-start", "abort-then-raise"],
)
def test_an_aborted_request_closes_the_connection_with_no_response(
    app: App, logged: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    gateway = Gateway(app)
    with caplog.at_level(logging.ERROR, logger="albany.error"):
        gateway.feed(GET + GET)  # the pipelined request behind it is not answered
    assert gateway.transport.take() == b""
    assert gateway.transport.closed
    assert [r.message for r in caplog.records] == logged


def test_an_abort_after_the_head_leaves_the_response_truncated() -> None:
    gateway = Gateway(return_after(start(), body(b"partial", True), ABORT))
    gateway.feed(GET)
    written = gateway.transport.take()
    assert written.startswith(b"HTTP/1.1 200 OK\r\n")
    assert written.endswith(b"7\r\npartial\r\n")
    assert gateway.transport.closed


def test_after_an_abort_receive_says_disconnect_and_send_refuses() -> None:
    outcome: list[Any] = []

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        assert scope["extensions"]["albany.http.abort"] == {}
        await send(ABORT)
        outcome.append((await receive())["type"])
        try:
            await send(start())
        except RuntimeError as error:
            outcome.append(str(error))

    gateway = Gateway(app)
    gateway.feed(POST_HEAD % 5)  # the body never comes
    assert outcome == [
        "http.disconnect",
        "Unexpected http.response.start: the response has started",
    ]
    assert gateway.transport.take() == b""


def test_an_abort_after_the_response_is_complete_is_refused() -> None:
    outcome: list[str] = []

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        await send(start())
        await send(body(b"done"))
        try:
            await send(ABORT)
        except RuntimeError as error:
            outcome.append(str(error))

    gateway = Gateway(app)
    gateway.feed(GET + GET)
    assert [r.body for r in gateway.responses()] == [b"done", b"done"]
    assert outcome == ["Unexpected albany.http.abort: the response is complete"] * 2
    assert not gateway.transport.closed


@pytest.mark.parametrize("value", [b"+2", b"1_0", b"foo", b" 2", b"-2"])
def test_an_invalid_content_length_from_the_app_gets_500(value: bytes) -> None:
    gateway = Gateway(respond(b"ok", headers=[(b"content-length", value)]))
    gateway.feed(GET)
    assert [r.status for r in gateway.responses()] == [500]
    assert gateway.transport.closed


def test_two_different_content_lengths_from_the_app_get_500() -> None:
    headers = [(b"content-length", b"2"), (b"content-length", b"3")]
    gateway = Gateway(respond(b"ok", headers=headers))
    gateway.feed(GET)
    assert [r.status for r in gateway.responses()] == [500]

"""The sans-IO HTTP/2 connection, driven by ``h2`` as the client, frames fed whole, frame by
frame and byte by byte."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytest.importorskip("h2")

import h2.config  # noqa: E402
import h2.connection  # noqa: E402
import h2.events  # noqa: E402
import h2.settings  # noqa: E402
from h2.errors import ErrorCodes  # noqa: E402
from hyperframe.frame import ContinuationFrame, HeadersFrame  # noqa: E402

from albany.http1.limits import Limits  # noqa: E402
from albany.http2 import (  # noqa: E402
    PREFACE,
    BodyData,
    Http2Connection,
    Http2Settings,
    PeerGoAway,
    RequestHead,
    StreamEnd,
    StreamRefused,
    StreamReset,
    Terminated,
    WindowOpened,
    looks_like_preface,
)

GET = [(b":method", b"GET"), (b":scheme", b"https"), (b":authority", b"example.com"),
       (b":path", b"/a%20b?x=1")]  # fmt: skip


def post(length: int | None = None) -> list[tuple[bytes, bytes]]:
    head = [(b":method", b"POST"), (b":scheme", b"https"), (b":authority", b"h"), (b":path", b"/")]
    return head + ([(b"content-length", str(length).encode())] if length is not None else [])


class Clock:
    """Seconds that pass only when a test says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


Split = Callable[[bytes], list[bytes]]
SPLITS: dict[str, Split] = {
    "whole": lambda data: [data],
    "bytewise": lambda data: [data[i : i + 1] for i in range(len(data))],
    "halves": lambda data: [data[: len(data) // 2], data[len(data) // 2 :]],
}


class Pair:
    """An ``h2`` client and an Albany server connection, joined by hand."""

    def __init__(
        self,
        split: Split = SPLITS["whole"],
        limits: Limits = Limits(),
        settings: Http2Settings = Http2Settings(),
        clock: Callable[[], float] | None = None,
        client_window: int | None = None,
    ) -> None:
        config = h2.config.H2Configuration(client_side=True, header_encoding=None)
        self.client = h2.connection.H2Connection(config=config)
        self.client.initiate_connection()
        if client_window is not None:
            self.client.update_settings(
                {h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: client_window}
            )
        self.server = Http2Connection(clock or Clock(), limits, settings)
        self.split = split
        self.client_events: list[Any] = []

    def to_server(self) -> list[Any]:
        events: list[Any] = []
        for piece in self.split(self.client.data_to_send()):
            events += self.server.receive(piece)
        return events

    def to_client(self) -> list[Any]:
        events = self.client.receive_data(self.server.data_to_send())
        self.client_events += events
        return list(events)

    def exchange(self) -> list[Any]:
        """Client bytes to the server, then the server's answer back; the server's events."""
        events = self.to_server()
        self.to_client()
        return events


def client_of(events: list[Any], kind: type) -> list[Any]:
    return [event for event in events if isinstance(event, kind)]


def test_the_preface_is_told_apart_from_http1_by_its_first_bytes() -> None:
    assert looks_like_preface(PREFACE + b"rest") is True
    assert looks_like_preface(PREFACE[:5]) is None
    assert looks_like_preface(b"GET / HTTP/1.1\r\n") is False
    assert looks_like_preface(b"PRI * HTTP/1.1") is False


@pytest.mark.parametrize("split", SPLITS.values(), ids=SPLITS.keys())
def test_a_get_becomes_the_request_http1_would_give_and_its_response_reaches_the_client(
    split: Split,
) -> None:
    pair = Pair(split)
    pair.exchange()
    pair.client.send_headers(1, GET + [(b"cookie", b"a=1"), (b"cookie", b"b=2")], end_stream=True)

    [head] = pair.exchange()

    assert isinstance(head, RequestHead) and head.stream_id == 1
    request = head.request
    assert (request.method, request.http_version) == ("GET", "2")
    assert (request.raw_path, request.path, request.query_string) == (b"/a%20b", "/a b", b"x=1")
    assert request.headers == [(b"host", b"example.com"), (b"cookie", b"a=1; b=2")]
    assert not request.has_body and request.keep_alive

    pair.server.start_response(
        1, 200, [(b"content-type", b"text/plain"), (b"connection", b"x")], False
    )
    pair.server.send_body(1, b"hello", True)
    events = pair.to_client()

    [response] = client_of(events, h2.events.ResponseReceived)
    assert response.headers == [(b":status", b"200"), (b"content-type", b"text/plain")]
    assert b"".join(e.data for e in client_of(events, h2.events.DataReceived)) == b"hello"
    assert client_of(events, h2.events.StreamEnded)
    assert pair.server.open_streams == 0


@pytest.mark.parametrize("split", SPLITS.values(), ids=SPLITS.keys())
def test_a_request_body_arrives_in_pieces_then_ends(split: Split) -> None:
    pair = Pair(split)
    pair.exchange()
    pair.client.send_headers(1, post(11))
    pair.client.send_data(1, b"hello ")
    pair.client.send_data(1, b"world", end_stream=True)

    events = pair.exchange()

    assert isinstance(events[0], RequestHead) and events[0].request.has_body
    assert b"".join(e.data for e in events if isinstance(e, BodyData)) == b"hello world"
    assert events[-1] == StreamEnd(1)


def test_the_receive_window_opens_only_as_the_app_takes_the_body() -> None:
    pair = Pair(settings=Http2Settings(initial_window_size=1000))
    pair.exchange()
    pair.client.send_headers(1, post())
    pair.client.send_data(1, b"x" * 1000)
    pieces = [e for e in pair.exchange() if isinstance(e, BodyData)]
    assert sum(len(e.data) for e in pieces) == 1000

    assert pair.client.local_flow_control_window(1) == 0  # the app has not read: stalled
    for piece in pieces:
        pair.server.body_consumed(1, piece.flow_length)
    pair.to_client()
    assert pair.client.local_flow_control_window(1) == 1000


def test_output_waits_for_the_clients_window_and_says_when_it_drained() -> None:
    pair = Pair(client_window=10)
    pair.exchange()
    pair.client.send_headers(1, GET, end_stream=True)
    pair.exchange()
    pair.server.start_response(1, 200, [], False)
    pair.server.send_body(1, b"0123456789abcdef", True)
    assert pair.server.pending(1) == 6

    events = pair.to_client()
    assert b"".join(e.data for e in client_of(events, h2.events.DataReceived)) == b"0123456789"
    assert not client_of(events, h2.events.StreamEnded)
    pair.client.increment_flow_control_window(100, stream_id=1)

    assert pair.to_server() == [WindowOpened(1)]
    assert pair.server.pending(1) == 0
    events = pair.to_client()
    assert b"".join(e.data for e in client_of(events, h2.events.DataReceived)) == b"abcdef"
    assert client_of(events, h2.events.StreamEnded)


def test_a_stream_over_the_concurrency_limit_is_refused_alone() -> None:
    pair = Pair(settings=Http2Settings(max_concurrent_streams=2))
    # The client opens three before it has read the server's SETTINGS (limit unknown yet).
    for stream_id in (1, 3, 5):
        pair.client.send_headers(stream_id, GET, end_stream=True)

    events = pair.exchange()

    assert [e.stream_id for e in events if isinstance(e, RequestHead)] == [1, 3]
    assert events[0] == StreamRefused(5, 0, "too many concurrent streams")
    [reset] = client_of(pair.client_events, h2.events.StreamReset)
    assert (reset.stream_id, reset.error_code) == (5, ErrorCodes.REFUSED_STREAM)
    pair.server.start_response(1, 204, [], True)
    pair.to_client()
    pair.client.send_headers(7, GET, end_stream=True)  # HPACK still in step: 7 decodes
    [head] = pair.exchange()
    assert isinstance(head, RequestHead) and head.request.headers[0] == (b"host", b"example.com")


def test_a_reset_mid_body_is_the_streams_disconnect() -> None:
    pair = Pair()
    pair.exchange()
    pair.client.send_headers(1, post())
    pair.client.send_data(1, b"part")
    pair.client.reset_stream(1, ErrorCodes.CANCEL)

    events = pair.exchange()

    assert events[-1] == StreamReset(1, ErrorCodes.CANCEL)
    pair.server.start_response(1, 200, [], True)  # too late: nothing is sent, nothing raised
    assert pair.server.data_to_send() == b""


def test_rapid_reset_ends_the_connection_with_enhance_your_calm() -> None:
    clock = Clock()
    pair = Pair(settings=Http2Settings(max_rapid_resets=5, abuse_window=1.0), clock=clock)
    pair.exchange()
    for stream_id in range(1, 13, 2):  # six streams, each reset at once
        pair.client.send_headers(stream_id, GET, end_stream=True)
        pair.client.reset_stream(stream_id, ErrorCodes.CANCEL)

    events = pair.exchange()

    assert events[-1] == Terminated(ErrorCodes.ENHANCE_YOUR_CALM, "too many streams reset")
    assert pair.server.terminated
    [goaway] = client_of(pair.client_events, h2.events.ConnectionTerminated)
    assert goaway.error_code == ErrorCodes.ENHANCE_YOUR_CALM


def test_resets_spread_over_time_are_not_abuse() -> None:
    clock = Clock()
    pair = Pair(settings=Http2Settings(max_rapid_resets=5, abuse_window=1.0), clock=clock)
    pair.exchange()
    for stream_id in range(1, 41, 2):
        clock.now += 0.5
        pair.client.send_headers(stream_id, GET, end_stream=True)
        pair.client.reset_stream(stream_id, ErrorCodes.CANCEL)
        pair.exchange()
    assert not pair.server.terminated


def test_a_ping_flood_ends_the_connection() -> None:
    pair = Pair(settings=Http2Settings(max_control_frames=20), clock=Clock())
    pair.exchange()
    for n in range(30):
        pair.client.ping(n.to_bytes(8, "big"))

    events = pair.exchange()

    assert events[-1] == Terminated(ErrorCodes.ENHANCE_YOUR_CALM, "too many control frames")


def test_a_body_over_the_limit_is_refused_with_413_by_length_or_as_it_streams() -> None:
    pair = Pair(limits=Limits(max_body_size=10))
    pair.exchange()
    pair.client.send_headers(1, post(11))
    pair.client.send_headers(3, post())
    pair.client.send_data(3, b"x" * 11)

    events = pair.exchange()

    assert StreamRefused(1, 413, "Request body too large") in events
    assert StreamRefused(3, 413, "Request body too large") in events
    assert not [e for e in events if isinstance(e, BodyData)]


def test_a_header_block_over_the_limit_ends_the_connection() -> None:
    pair = Pair(limits=Limits(max_header_size=1000))
    pair.exchange()
    pair.client.send_headers(1, GET + [(b"x-big", b"v" * 5000)], end_stream=True)

    [event] = pair.exchange()

    assert isinstance(event, Terminated)
    assert client_of(pair.client_events, h2.events.ConnectionTerminated)


def test_a_continuation_flood_ends_the_connection() -> None:
    pair = Pair()
    pair.exchange()
    frames = HeadersFrame(1, data=b"")
    flood = frames.serialize() + b"".join(
        ContinuationFrame(1, data=b"\x00" * 100).serialize() for _ in range(200)
    )

    events = pair.server.receive(flood)

    assert isinstance(events[-1], Terminated)
    assert pair.server.receive(b"anything") == []


def test_goaway_names_the_last_stream_and_refuses_later_ones() -> None:
    pair = Pair()
    pair.exchange()
    pair.client.send_headers(1, GET, end_stream=True)
    pair.exchange()

    pair.server.goaway()
    pair.client.send_headers(3, GET, end_stream=True)  # in flight as the GOAWAY leaves: refused
    assert pair.to_server() == [StreamRefused(3, 0, "the connection is going away")]
    pair.server.start_response(1, 200, [], False)  # stream 1 still finishes
    pair.server.send_body(1, b"done", True)
    events = pair.to_client()

    [goaway] = client_of(events, h2.events.ConnectionTerminated)
    assert (goaway.error_code, goaway.last_stream_id) == (ErrorCodes.NO_ERROR, 1)
    assert b"".join(e.data for e in client_of(events, h2.events.DataReceived)) == b"done"
    [reset] = client_of(events, h2.events.StreamReset)
    assert (reset.stream_id, reset.error_code) == (3, ErrorCodes.REFUSED_STREAM)


def test_a_client_goaway_is_reported() -> None:
    pair = Pair()
    pair.exchange()
    pair.client.close_connection()

    assert pair.exchange() == [PeerGoAway(0, ErrorCodes.NO_ERROR)]


def test_trailing_garbage_after_a_good_request_is_a_connection_error() -> None:
    pair = Pair()
    pair.exchange()
    pair.client.send_headers(1, GET, end_stream=True)
    [head] = pair.server.receive(pair.client.data_to_send())

    events = pair.server.receive(b"\x00\x00\x01\x09\x00\x00\x00\x00\x01x")  # naked CONTINUATION

    assert isinstance(head, RequestHead)
    assert [type(event) for event in events] == [Terminated]


def test_a_request_without_a_path_is_a_protocol_error() -> None:
    pair = Pair()
    pair.exchange()
    config = h2.config.H2Configuration(
        client_side=True, header_encoding=None, validate_outbound_headers=False
    )
    pair.client.config = config
    pair.client.send_headers(1, [(b":method", b"GET"), (b":scheme", b"https")], end_stream=True)

    [event] = pair.exchange()

    assert isinstance(event, Terminated) and event.error_code == ErrorCodes.PROTOCOL_ERROR


def test_the_body_of_a_refused_stream_gives_its_connection_window_back() -> None:
    pair = Pair(settings=Http2Settings(max_concurrent_streams=1))
    pair.client.send_headers(1, post())
    pair.client.send_headers(3, post())
    for size in (16000, 16000, 8000):  # sent before the client knew the limit
        pair.client.send_data(3, b"x" * size)
    window_before = pair.client.outbound_flow_control_window

    events = pair.exchange()

    assert StreamRefused(3, 0, "too many concurrent streams") in events
    assert not [e for e in events if isinstance(e, BodyData)]
    # Windows are given back in batches of half the window: 40000 bytes pass that mark.
    assert pair.client.outbound_flow_control_window == window_before + 40000

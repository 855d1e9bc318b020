"""What ``Http2Connection.receive`` emits: each event names its stream.

A stream is always ``RequestHead``, then zero or more ``BodyData``, then ``StreamEnd``,
unless ``StreamReset`` (the client gave up) or ``StreamRefused`` (Albany refused it) ends
it first. ``request`` is the same ``albany.http1.events.Request`` HTTP/1.1 yields, with
``http_version`` ``"2"``, so one request cycle serves both.
"""

from __future__ import annotations

from typing import NamedTuple, Union

from albany.http1.events import Request


class RequestHead(NamedTuple):
    """A stream opened with a valid request head."""

    stream_id: int
    request: Request


class BodyData(NamedTuple):
    """A piece of a stream's body. ``flow_length`` (padding included) goes back to
    ``Http2Connection.body_consumed`` once the app has taken the piece."""

    stream_id: int
    data: bytes
    flow_length: int


class StreamEnd(NamedTuple):
    """The stream's request body is complete (trailers, if any, read and dropped)."""

    stream_id: int


class StreamReset(NamedTuple):
    """The client reset the stream (RST_STREAM): the app sees ``http.disconnect``."""

    stream_id: int
    error_code: int


class StreamRefused(NamedTuple):
    """Albany refused the request: ``status`` is the answer (400, 413, 431), or 0 when
    the stream was reset instead (too many open streams)."""

    stream_id: int
    status: int
    reason: str


class WindowOpened(NamedTuple):
    """Output held for this stream by flow control has all been sent (0: the connection)."""

    stream_id: int


class PeerGoAway(NamedTuple):
    """The client sent GOAWAY: streams above ``last_stream_id`` will not be processed."""

    last_stream_id: int
    error_code: int


class Terminated(NamedTuple):
    """The connection is over (a protocol error or abuse: Albany sent GOAWAY); close it
    once ``data_to_send`` is written."""

    error_code: int
    reason: str


Http2Event = Union[
    RequestHead,
    BodyData,
    StreamEnd,
    StreamReset,
    StreamRefused,
    WindowOpened,
    PeerGoAway,
    Terminated,
]

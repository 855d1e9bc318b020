"""What the request reader emits: immutable events.

A request is always ``Request``, then zero or more ``Data``, then ``EndOfMessage``.
They are named tuples rather than frozen dataclasses: as immutable, and several
times cheaper to build, which matters once per request.
"""

from __future__ import annotations

from typing import NamedTuple, Union


class Request(NamedTuple):
    """A request head, fully parsed and validated."""

    method: str
    http_version: str  # "1.0" or "1.1"
    raw_path: bytes  # percent-encoded, as sent (absolute-form reduced to its path)
    path: str  # percent-decoded
    query_string: bytes
    headers: list[tuple[bytes, bytes]]  # names lower-cased, values stripped
    keep_alive: bool  # what the client asked for
    expect_continue: bool
    has_body: bool  # a body follows (Content-Length > 0 or chunked)
    upgrade: bytes | None  # the Upgrade token when the client asked to switch


class Data(NamedTuple):
    """A piece of a request body."""

    data: bytes


class EndOfMessage(NamedTuple):
    """The request body is complete."""


END_OF_MESSAGE = EndOfMessage()

Event = Union[Request, Data, EndOfMessage]

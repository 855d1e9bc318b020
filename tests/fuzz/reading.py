"""Albany's RequestReader fed a stream in pieces, its result in the reference's terms."""

from __future__ import annotations

from dataclasses import dataclass, field

from albany.http1 import Data, EndOfMessage, Limits, ProtocolError, Request, RequestReader
from tests.fuzz.strict_http import Head, Message, Reading

ERROR_STATUSES = frozenset({400, 413, 414, 431, 505})
"""What the reader may answer bad input with; 505 only for a well-formed other version."""

SMALL_LIMITS = Limits(
    max_request_line=200, max_header_size=600, max_header_count=12, max_body_size=512
)
"""Limits small enough that the oversized mutations cross them cheaply."""


@dataclass
class Outcome:
    """What the reader made of a stream."""

    messages: list[Message] = field(default_factory=list)
    status: int | None = None  # of the ProtocolError that stopped it
    finished: bool = False
    upgrade_data: bytes = b""


def albany_read(pieces: list[bytes], limits: Limits = Limits()) -> Outcome:
    """Feed ``pieces`` in order; anything but a ``ProtocolError`` propagates."""
    reader = RequestReader(limits)
    outcome = Outcome()
    events = []
    for piece in pieces:
        try:
            events += reader.feed(piece)
        except ProtocolError as error:
            events += reader.take_events()
            outcome.status = error.status
            break
    for event in events:
        if type(event) is Request:
            head = Head(
                event.method.encode("ascii"),
                event.raw_path,
                event.query_string,
                event.http_version.encode("ascii"),
                tuple(event.headers),
            )
            outcome.messages.append(Message(head))
        elif type(event) is Data:
            outcome.messages[-1].body += event.data
        else:
            assert type(event) is EndOfMessage
            outcome.messages[-1].complete = True
    outcome.finished = reader.finished
    outcome.upgrade_data = reader.upgrade_data
    return outcome


def assert_within(outcome: Outcome, reading: Reading) -> None:
    """Albany found no request, head or body the strict reading does not, and failed well.

    Albany may stop earlier (its limits, or a stricter choice); it may never go further.
    """
    assert len(outcome.messages) <= len(reading.messages), "more requests than the grammar"
    for index, (found, strict) in enumerate(zip(outcome.messages, reading.messages, strict=False)):
        assert found.head == strict.head, f"request {index}: another head"
        if found.complete:
            assert strict.complete, f"request {index}: a body the grammar refuses"
            assert found.body == strict.body, f"request {index}: another body"
        else:
            assert strict.body.startswith(found.body), f"request {index}: body bytes not in it"
            assert index == len(outcome.messages) - 1, "an incomplete request before another"
    if outcome.status is not None:
        assert outcome.status in ERROR_STATUSES, f"answered {outcome.status}"
        if outcome.status == 505:
            assert reading.unsupported_version, "505 for bad input"
            assert len(outcome.messages) == len(reading.messages)


def assert_same(outcome: Outcome, reading: Reading) -> None:
    """Albany read exactly what the strict reading finds (a valid stream within limits)."""
    assert outcome.status is None
    assert outcome.messages == reading.messages
    assert reading.error is None

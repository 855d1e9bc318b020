"""Request methods: any RFC 9110 token, on a parser (llhttp) that knows a fixed list.

``screen_request_line`` looks at the start of a message before llhttp does: a common
method passes as it is; any other token is replaced by ``GET`` (same framing rules for a
request) and returned, so the request keeps the method sent; anything else is left for
llhttp to refuse. ``message_end`` finds where a message ends inside bytes already parsed,
for a message that began after another in the same feed.
"""

from __future__ import annotations

import re

import httptools

from albany.http1.errors import ProtocolError

COMMON_METHODS = {
    m.encode(): m for m in "GET HEAD POST PUT DELETE OPTIONS PATCH CONNECT TRACE".split()
}
"""Methods given to llhttp as sent (CONNECT included: llhttp frames it as a tunnel)."""

_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_EMPTY_LINE_BYTES = b"\r\n"


def screen_request_line(data: bytes, max_request_line: int) -> tuple[bytes | None, str | None]:
    """``(bytes for llhttp, the method sent when it was replaced)`` for a message start.

    The bytes are None while the method token is still incomplete (hold ``data`` and call
    again with more). Raises ``ProtocolError(414)`` when the token outgrows the line limit.
    """
    start = len(data) - len(data.lstrip(_EMPTY_LINE_BYTES))  # llhttp skips empty lines
    end = data.find(b" ", start, start + max_request_line + 1)
    if end < 0:
        head = data[start : start + max_request_line + 1]
        if not head or _TOKEN.fullmatch(head) is None:
            return data, None  # nothing yet, or not a token: llhttp decides
        if len(head) > max_request_line:
            raise ProtocolError(414, "Request line too long")
        return None, None
    token = data[start:end]
    if token in COMMON_METHODS or _TOKEN.fullmatch(token) is None:
        return data, None
    return data[:start] + b"GET" + data[end:], token.decode("ascii")


class _Counter:
    """A parser protocol that only counts complete messages."""

    __slots__ = ("completed",)

    def __init__(self) -> None:
        self.completed = 0

    def on_message_complete(self) -> None:
        self.completed += 1


def _completed_in(data: bytes) -> int:
    counter = _Counter()
    try:
        httptools.HttpRequestParser(counter).feed_data(data)
    except (httptools.HttpParserError, httptools.HttpParserUpgrade):
        pass
    return counter.completed


def message_end(data: bytes, start: int, count: int) -> int:
    """Where the ``count``-th message after offset ``start`` (a message boundary) ends.

    Only on the rare path (an uncommon method after another message in one feed): a
    bisection over fresh parsers, each fed a prefix.
    """
    if count <= 0:
        return start
    low, high = start, len(data)  # the end is in (low, high]
    while high - low > 1:
        middle = (low + high) // 2
        if _completed_in(data[start:middle]) >= count:
            high = middle
        else:
            low = middle
    return high

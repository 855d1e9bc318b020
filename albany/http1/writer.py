"""Response messages in, bytes out: framing, status lines and default headers.

Rules:

1. The head is written together with the first body piece, so a response whose
   body comes in one message gets a Content-Length and leaves in one write.
2. Framing, when the app gives no Content-Length: none for 1xx/204/304;
   Content-Length for a one-piece body (for HEAD only when the app sends the body
   GET would get); chunked toward HTTP/1.1 clients, or a close-delimited body
   toward HTTP/1.0 clients (never chunked for them); nothing more for HEAD.
3. A body longer or shorter than the app's Content-Length is the app's error.
4. HEAD responses never carry body bytes.
5. ``Connection`` and ``Transfer-Encoding`` are the writer's: the app's are read
   (``connection: close`` is honoured) and replaced. An app's ``Server`` or ``Date``
   replaces the default one.
6. An app's ``Content-Length`` is 1*DIGIT (RFC 9110 8.6): a sign, a space, ``_`` or any
   other byte is the app's error, and so are two different values; the same value
   repeated is written once.
7. An app's reason phrase (the ``albany.http.reason`` extension) is latin-1 text of
   HTAB, SP, visible characters and obs-text (RFC 9112 4); anything else is the app's
   error.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Iterable, Sequence

from albany.http1.events import Request

_STATUS_LINES: dict[int, bytes] = {
    int(status): b"HTTP/1.1 %d %s\r\n" % (status, status.phrase.encode("ascii"))
    for status in HTTPStatus
}
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_FORBIDDEN_IN_VALUE = re.compile(rb"[\x00\r\n]")
_DIGITS = re.compile(rb"[0-9]+")
_FORBIDDEN_IN_REASON = re.compile("[\x00-\x08\x0a-\x1f\x7f]")
_LINE_CACHE_SIZE = 4096
_LINES: dict[tuple[bytes, bytes], bytes] = {}
"""Validated ``name: value`` lines of ordinary headers; apps repeat the same few."""

_ORDINARY, _CONTENT_LENGTH, _CONNECTION, _DROPPED = "ordinary", "length", "connection", "dropped"
_DEFAULTED = "defaulted"
_KINDS = {
    b"content-length": _CONTENT_LENGTH,
    b"connection": _CONNECTION,
    b"server": _DEFAULTED,
    b"date": _DEFAULTED,
}
_KINDS[b"transfer-encoding"] = _DROPPED


def _header_kind(name: bytes, value: bytes) -> str:
    """Validate one response header; say whether the writer handles it itself."""
    if _TOKEN.fullmatch(name) is None:
        raise ValueError(f"Invalid response header name {name!r}")
    if _FORBIDDEN_IN_VALUE.search(value) is not None:
        raise ValueError(f"Invalid response header value {value!r}")
    return _KINDS.get(name.lower(), _ORDINARY)


_NO_BODY_STATUSES = frozenset({204, 304})
_CHUNKED = b"transfer-encoding: chunked\r\n"
_CLOSE = b"connection: close\r\n"
_KEEP_ALIVE = b"connection: keep-alive\r\n"
_LAST_CHUNK = b"0\r\n\r\n"
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
"""The interim response sent when the app first asks for an ``Expect: 100-continue`` body."""


def _without(default_headers: bytes, prefix: bytes) -> bytes:
    lines = default_headers.split(b"\r\n")
    return b"\r\n".join(line for line in lines if not line.lower().startswith(prefix))


def default_header_lines(headers: Iterable[tuple[str, str]]) -> bytes:
    """``name: value`` lines of headers sent on every response (``--header``), checked once.

    Raises ``ValueError`` for a name or value the writer would refuse, and for the
    headers that frame a message (they are the writer's to set).
    """
    lines = []
    for name, value in headers:
        raw_name, raw_value = name.strip().encode("latin-1"), value.strip().encode("latin-1")
        kind = _header_kind(raw_name, raw_value)
        if kind not in (_ORDINARY, _DEFAULTED):
            raise ValueError(f"{name} is set by the server for each response")
        lines.append(b"%s: %s\r\n" % (raw_name.lower(), raw_value))
    return b"".join(lines)


def status_line(status: int) -> bytes:
    """The status line for ``status``, reason phrase included where one is known."""
    line = _STATUS_LINES.get(status)
    if line is None:
        if not 100 <= status <= 999:
            raise ValueError(f"Invalid HTTP status code {status!r}")
        line = b"HTTP/1.1 %d \r\n" % status
    return line


def reason_status_line(status: int, reason: object) -> bytes:
    """The status line for ``status`` with the app's own reason phrase (rule 7)."""
    status_line(status)  # the status is checked as for any response
    if not isinstance(reason, str) or _FORBIDDEN_IN_REASON.search(reason) is not None:
        raise ValueError(f"Invalid reason phrase {reason!r}")
    try:
        phrase = reason.encode("latin-1")
    except UnicodeEncodeError:
        raise ValueError(f"Invalid reason phrase {reason!r}: not latin-1") from None
    return b"HTTP/1.1 %d %s\r\n" % (status, phrase)


def _content_length(value: bytes) -> int:
    if _DIGITS.fullmatch(value) is None:
        raise ValueError(f"Invalid Content-Length response header {value!r}")
    return int(value)


def error_response(status: int, message: str, default_headers: bytes) -> bytes:
    """A complete plain-text response that closes the connection (for protocol errors)."""
    body = message.encode("utf-8", "replace")
    return b"".join(
        (
            status_line(status),
            default_headers,
            b"content-type: text/plain; charset=utf-8\r\n",
            b"content-length: %d\r\n" % len(body),
            _CLOSE,
            b"\r\n",
            body,
        )
    )


class ResponseWriter:
    """Serialises one response at a time; reused for each response of a connection."""

    __slots__ = ("_chunked", "_head_only", "_remaining", "keep_alive", "complete")

    def __init__(self) -> None:
        self._chunked = False
        self._head_only = False
        self._remaining: int | None = None
        self.keep_alive = False
        """Whether the connection may carry another request after this response."""
        self.complete = True
        """Whether the last body piece has been written."""

    def begin(
        self,
        request: Request,
        status: int,
        headers: Iterable[Sequence[bytes]],
        default_headers: bytes,
        body: bytes,
        more_body: bool,
        keep_alive: bool,
        reason: object = None,
    ) -> bytes:
        """Bytes for the head and the first body piece. Raises ``ValueError`` on bad input.

        ``reason`` is the app's reason phrase, or None for the standard one.
        """
        keep_alive = keep_alive and request.keep_alive
        content_length: int | None = None
        first_line = status_line(status) if reason is None else reason_status_line(status, reason)
        parts = [first_line, default_headers]
        append = parts.append
        for header in headers:
            line = _LINES.get(header) if type(header) is tuple else None
            if line is not None:
                append(line)
                continue
            name, value = header
            kind = _header_kind(name, value)
            if kind is _ORDINARY:
                line = b"%s: %s\r\n" % (name, value)
                if type(header) is tuple and len(_LINES) < _LINE_CACHE_SIZE:
                    _LINES[header] = line
                append(line)
            elif kind is _CONTENT_LENGTH:
                length = _content_length(value)
                if content_length is None:
                    content_length = length
                    append(b"%s: %d\r\n" % (name, length))  # as the app spelt it
                elif length != content_length:
                    raise ValueError("Conflicting Content-Length response headers")
            elif kind is _CONNECTION and value.lower() == b"close":
                keep_alive = False
            elif kind is _DEFAULTED:  # the app's own Server or Date replaces the default one
                append(b"%s: %s\r\n" % (name, value))
                parts[1] = _without(parts[1], name.lower() + b":")

        self._head_only = head_only = (
            request.method == "HEAD" or status in _NO_BODY_STATUSES or status < 200
        )
        self._chunked = False
        self._remaining = content_length
        if content_length is None and status >= 200 and status not in _NO_BODY_STATUSES:
            if not more_body and (body or not head_only):
                # a HEAD app that sends the body it would send to GET gets its length too
                append(b"content-length: %d\r\n" % len(body))
                self._remaining = len(body)
            elif head_only:
                pass
            elif request.http_version == "1.1":
                append(_CHUNKED)
                self._chunked = True
            else:
                keep_alive = False  # the body ends when the connection does
        if keep_alive:
            if request.http_version == "1.0":
                append(_KEEP_ALIVE)
        elif request.http_version == "1.1":
            append(_CLOSE)
        append(b"\r\n")
        self.keep_alive = keep_alive
        self.complete = False
        first = self.write(body, more_body)
        if first:
            append(first)
        return b"".join(parts)

    def write(self, body: bytes, more_body: bool) -> bytes:
        """Bytes for one more body piece. Raises ``ValueError`` when framing breaks."""
        if self.complete:
            raise ValueError("The response is already complete")
        if self._head_only:
            self.complete = not more_body
            return b""
        remaining = self._remaining
        if remaining is not None:
            remaining -= len(body)
            self._remaining = remaining
            if remaining < 0:
                raise ValueError("Response body longer than its Content-Length")
            if not more_body and remaining:
                raise ValueError("Response body shorter than its Content-Length")
        self.complete = not more_body
        if self._chunked:
            if body:
                chunk = b"%x\r\n%s\r\n" % (len(body), body)
                return chunk if more_body else chunk + _LAST_CHUNK
            return b"" if more_body else _LAST_CHUNK
        return body

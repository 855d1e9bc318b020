"""Bytes in, request events out: httptools (llhttp) with Albany's framing rules on top.

Rules, beyond what llhttp already rejects (Content-Length with Transfer-Encoding,
conflicting Content-Lengths, bad bytes in names and values, obs-fold, bare LF):

1. A transfer-coding other than exactly ``chunked`` is a 400.
2. An HTTP/1.1 request without a Host field, or with two, is a 400.
3. A request line longer than ``Limits.max_request_line`` is a 414; a head over
   ``max_header_size`` bytes or ``max_header_count`` fields is a 431; a body over
   ``max_body_size`` is a 413 (at the head when Content-Length says so, else as it streams).
4. Trailer fields of a chunked body are read and dropped.
5. After a ``ProtocolError`` or an upgrade to WebSocket the reader takes no more bytes.
6. Any other ``Upgrade`` is ignored, as RFC 9110 (7.8) lets a server do: the request is
   read as plain HTTP/1.1, body included, and the connection goes on with HTTP. (llhttp
   stops at every upgrade as if no body followed; the reader resumes it with a new
   parser that is told the request's framing.)
7. A request line without an HTTP version (HTTP/0.9) is a 400; a version other than
   1.0 or 1.1 is a 505.
8. An HTTP/1.0 request with ``Transfer-Encoding`` has faulty framing (RFC 9112 6.1): it
   is read, answered, and the reader takes nothing after it (``keep_alive`` is False).
9. Any RFC 9110 token is a method. llhttp knows a fixed list, so a request line whose
   method is not one of the common ones (``methods.screen_request_line``) is given to
   llhttp with ``GET`` in its place, and the request keeps the method sent. A message
   that begins inside a feed, after another, is screened when llhttp refuses its method:
   the reader finds where it began (``methods.message_end``) and resumes from there.
"""

from __future__ import annotations

from urllib.parse import unquote

import httptools

from albany.http1.errors import ProtocolError
from albany.http1.events import END_OF_MESSAGE, Data, Event, Request
from albany.http1.limits import Limits
from albany.http1.methods import COMMON_METHODS, message_end, screen_request_line

_LINE_OVERHEAD = 4  # ": " and CRLF of the line still being read


class _FramingEnds(Exception):
    """Raised from a callback to stop llhttp after a message nothing may follow (rule 8)."""


def split_target(target: bytes) -> tuple[bytes, bytes]:
    """Split a request-target into its raw path and raw query (absolute-form reduced)."""
    if target[:1] != b"/":
        if target == b"*":
            return target, b""
        try:
            url = httptools.parse_url(target)
        except httptools.HttpParserInvalidURLError:
            raise ProtocolError(400, "Invalid request target") from None
        return url.path or b"/", url.query or b""
    raw_path, _, query = target.partition(b"?")
    return raw_path, query


def decode_path(raw_path: bytes) -> str:
    """Percent-decode a raw path into the scope's ``path`` (UTF-8, as ASGI says)."""
    text = raw_path.decode("latin-1")
    if "%" not in text:
        return text
    return unquote(text)


class RequestReader:
    """Feeds bytes to llhttp and returns the events of every complete part."""

    __slots__ = (
        "_limits",
        "_parser",
        "_events",
        "_url",
        "_headers",
        "_field_bytes",
        "_partial_line",
        "_began_in_feed",
        "_body_in_feed",
        "_in_head",
        "_host_count",
        "_content_length",
        "_chunked",
        "_expect_continue",
        "_upgrade",
        "_switching",
        "_framing_only",
        "_body_bytes",
        "_dead",
        "_upgraded",
        "_boundary",
        "_held",
        "_method",
        "_completed",
        "_close_after",
        "upgrade_data",
    )

    def __init__(self, limits: Limits = Limits()) -> None:
        self._limits = limits
        self._parser = httptools.HttpRequestParser(self)
        self._events: list[Event] = []
        self._url = b""
        self._headers: list[tuple[bytes, bytes]] = []
        self._field_bytes = 0
        self._partial_line = 0
        self._began_in_feed = False
        self._body_in_feed = 0
        self._in_head = False
        self._host_count = 0
        self._content_length = 0
        self._chunked = False
        self._expect_continue = False
        self._upgrade: bytes | None = None
        self._switching = False
        self._framing_only = False
        self._body_bytes = 0
        self._dead = False
        self._upgraded = False
        self._boundary = True  # llhttp is between two messages
        self._held = b""  # the start of a request line whose method is not complete yet
        self._method: str | None = None  # the method sent, when llhttp was given GET
        self._completed = 0  # messages completed by the current ``feed_data`` call
        self._close_after = False
        self.upgrade_data = b""
        """Bytes that followed an upgrade request; they belong to the new protocol."""

    @property
    def reading_head(self) -> bool:
        """True while a request head has begun but is not complete."""
        return self._in_head

    @property
    def finished(self) -> bool:
        """True once the reader takes no more bytes (after an error or an upgrade)."""
        return self._dead

    @property
    def upgraded(self) -> bool:
        """True once an upgrade request stopped the reader: the rest is another protocol."""
        return self._upgraded

    def take_events(self) -> list[Event]:
        """The events completed so far and not yet returned (after a ``ProtocolError``)."""
        events = self._events
        self._events = []
        return events

    def feed(self, data: bytes) -> list[Event]:
        """Parse ``data``; return the events it completes. Raises ``ProtocolError``.

        Events completed before the error stay available from ``take_events``.
        """
        if self._dead:
            if self._upgraded:
                self.upgrade_data += data  # the new protocol's, or HTTP's if declined
            return []
        self._began_in_feed = False
        if self._boundary:
            sp = data.find(b" ", 0, 13)
            if self._held or sp < 0 or data[:sp] not in COMMON_METHODS:
                screened = self._screen(self._held + data)
                if screened is None:
                    return []
                data = screened
        try:
            while True:
                # where a message ends in ``data`` if one is known, and how many end before it
                known_end = 0 if self._boundary else self._body_left()
                self._completed = 0
                try:
                    self._parser.feed_data(data)
                    break
                except httptools.HttpParserUpgrade as exc:
                    data = data[exc.args[0] :]
                    if self._switching:
                        self._dead = self._upgraded = True
                        self.upgrade_data = data
                        break
                    self._resume_after_ignored_upgrade()
                    self._body_in_feed = 0
                except httptools.HttpParserInvalidMethodError:
                    if known_end is None:
                        raise
                    # llhttp refused the method of a message that began inside ``data``
                    ended_before = 1 if known_end else 0
                    start = message_end(data, known_end, self._completed - ended_before)
                    rest = data[start:]
                    screened = self._screen(rest, fresh_parser=True)
                    if screened is None:
                        return self.take_events()
                    if self._method is None:
                        raise  # not a token: llhttp was right
                    data = screened
                    self._body_in_feed = 0
        except httptools.HttpParserCallbackError as exc:
            self._dead = True
            cause = exc.__context__
            if isinstance(cause, _FramingEnds):
                return self.take_events()
            if isinstance(cause, ProtocolError):
                raise cause from None
            raise ProtocolError(400, "Invalid HTTP request") from exc
        except httptools.HttpParserError as exc:
            self._dead = True
            raise ProtocolError(400, f"Invalid HTTP request: {exc}") from None
        if self._in_head:
            self._check_partial_line(data)
        self._body_in_feed = 0
        events = self._events
        self._events = []
        return events

    def _screen(self, data: bytes, fresh_parser: bool = False) -> bytes | None:
        """The bytes to give llhttp for a message starting at ``data`` (rule 9).

        None while the method is still incomplete: the bytes are held for the next feed.
        """
        try:
            screened, method = screen_request_line(data, self._limits.max_request_line)
        except ProtocolError:
            self._dead = True
            raise
        if fresh_parser:
            self._parser = httptools.HttpRequestParser(self)
            self._boundary = True
        if screened is None:
            self._held = data
            self._in_head = True
            return None
        self._held = b""
        self._method = method
        return screened

    def _body_left(self) -> int | None:
        """Bytes left in a Content-Length body being read; None when not known."""
        if self._in_head or self._chunked or self._boundary:
            return None
        return self._content_length - self._body_bytes

    def decline_upgrade(self) -> bytes:
        """Read on as HTTP after a WebSocket upgrade request (without a body) not taken.

        Returns the bytes that followed it, to feed again.
        """
        assert self._upgraded and not (self._chunked or self._content_length > 0)
        self._dead = self._upgraded = self._switching = False
        self._parser = httptools.HttpRequestParser(self)
        self._boundary = True
        data, self.upgrade_data = self.upgrade_data, b""
        return data

    def _resume_after_ignored_upgrade(self) -> None:
        """Go on parsing HTTP after llhttp stopped at an upgrade Albany does not take.

        llhttp ended that request at its head; if it has a body, the new parser is given a
        head that frames it the same way, whose fields are not reported (rule 6).
        """
        self._parser = parser = httptools.HttpRequestParser(self)
        if not (self._chunked or self._content_length > 0):
            return
        events = self._events
        if events and events[-1] is END_OF_MESSAGE:
            events.pop()  # the end comes after the body
        framing = (
            b"transfer-encoding: chunked"
            if self._chunked
            else b"content-length: %d" % self._content_length
        )
        self._framing_only = True
        self._boundary = False
        parser.feed_data(b"PUT / HTTP/1.1\r\nhost: -\r\n" + framing + b"\r\n\r\n")

    def _check_partial_line(self, data: bytes) -> None:
        # llhttp holds an unfinished line without calling back: bound it here. The
        # line is what follows the last LF (all of ``data`` when there is none), never
        # more than the bytes of this feed that were not body. The request line is
        # bounded exactly by ``on_url`` and ``on_headers_complete``.
        end = data.rfind(b"\n")
        if end < 0:
            self._partial_line += len(data)
        else:
            self._partial_line = len(data) - end - 1
        if self._began_in_feed:
            self._partial_line = min(self._partial_line, len(data) - self._body_in_feed)
        limits = self._limits
        allowed = limits.max_header_size + _LINE_OVERHEAD
        if not self._headers:
            allowed += limits.max_request_line
        if self._field_bytes + self._partial_line > allowed:
            self._dead = True
            raise ProtocolError(431, "Request header fields too large")

    # llhttp callbacks, through httptools

    def on_message_begin(self) -> None:
        if self._framing_only:
            return
        self._boundary = False
        self._in_head = True
        self._began_in_feed = True
        self._partial_line = 0
        self._url = b""
        self._headers = []
        self._field_bytes = 0
        self._host_count = 0
        self._content_length = 0
        self._chunked = False
        self._expect_continue = False
        self._upgrade = None
        self._body_bytes = 0

    def on_url(self, url: bytes) -> None:
        if self._framing_only:
            return
        self._url += url
        if len(self._url) > self._limits.max_request_line:
            raise ProtocolError(414, "Request line too long")

    def on_header(self, name: bytes, value: bytes) -> None:
        if not self._in_head:
            return  # a trailer field: tolerated, dropped
        headers = self._headers
        name = name.lower()
        value = value.rstrip(b" \t")
        headers.append((name, value))
        self._field_bytes += len(name) + len(value)
        limits = self._limits
        if len(headers) > limits.max_header_count or self._field_bytes > limits.max_header_size:
            raise ProtocolError(431, "Request header fields too large")
        if name == b"host":
            self._host_count += 1
        elif name == b"content-length":
            self._content_length = int(value)
        elif name == b"transfer-encoding":
            if value.lower() != b"chunked":
                raise ProtocolError(400, "Unsupported transfer-coding")
            self._chunked = True
        elif name == b"expect":
            self._expect_continue = value.lower() == b"100-continue"
        elif name == b"upgrade":
            self._upgrade = value

    def on_headers_complete(self) -> None:
        if self._framing_only:
            self._framing_only = False
            return
        self._in_head = False
        self._partial_line = 0
        parser = self._parser
        method = self._method
        self._method = None
        if method is None:
            raw_method = parser.get_method()
            method = COMMON_METHODS.get(raw_method) or raw_method.decode("ascii")
        if len(method) + len(self._url) + 10 > self._limits.max_request_line:
            raise ProtocolError(414, "Request line too long")  # "M T HTTP/1.1", with spaces
        version = parser.get_http_version()
        keep_alive = parser.should_keep_alive()
        if version == "1.1":
            if self._host_count != 1:
                raise ProtocolError(400, "Exactly one Host field is required")
        elif version == "1.0":
            if self._chunked:
                keep_alive = False
                self._close_after = True
        elif version == "0.9":
            raise ProtocolError(400, "Invalid request line")
        else:
            raise ProtocolError(505, "HTTP version not supported")
        max_body = self._limits.max_body_size
        if max_body is not None and self._content_length > max_body:
            raise ProtocolError(413, "Request body too large")
        raw_path, query = split_target(self._url)
        has_body = self._chunked or self._content_length > 0
        upgrade = self._upgrade
        if upgrade is not None and not parser.should_upgrade():
            upgrade = None
        self._switching = upgrade is not None and upgrade.strip().lower() == b"websocket"
        if not self._switching:
            upgrade = None
        self._events.append(
            Request(
                method,
                version,
                raw_path,
                decode_path(raw_path),
                query,
                self._headers,
                keep_alive,
                self._expect_continue and has_body and version == "1.1",
                has_body,
                upgrade,
            )
        )

    def on_body(self, body: bytes) -> None:
        self._body_in_feed += len(body)
        self._body_bytes += len(body)
        max_body = self._limits.max_body_size
        if max_body is not None and self._body_bytes > max_body:
            raise ProtocolError(413, "Request body too large")
        self._events.append(Data(body))

    def on_message_complete(self) -> None:
        self._events.append(END_OF_MESSAGE)
        self._boundary = True
        self._completed += 1
        if self._close_after:
            raise _FramingEnds

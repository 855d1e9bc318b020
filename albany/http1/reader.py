"""Bytes in, request events out: httptools (llhttp) for request heads, Albany's framing.

The reader frames the stream itself, so it always knows where each message begins: it
holds the request line until its CRLF and checks it, gives llhttp the head (request line
and fields) and nothing of the body after it, and reads the body by Content-Length or with
its own strict chunked decoder (``albany.http1.chunked``); after a chunked head llhttp is
given an empty chunked body, so that it ends the message and is reused for the next one
(a common head, whole in one feed, is matched and given to llhttp in one step). Rules,
beyond what llhttp already
rejects in a head (Content-Length with Transfer-Encoding, conflicting Content-Lengths,
bad bytes in names and values, obs-fold, bare LF):

1. The request line is ``method SP request-target SP HTTP/d.d`` and CRLF (RFC 9112 3):
   one SP each, no HTAB; only CRLF empty lines may come before it (no bare CR or LF).
   The asterisk-form target is for OPTIONS only (RFC 9112 3.2.4); a target holds no
   fragment (``#``: RFC 9112 3.2).
2. A transfer-coding other than exactly ``chunked`` is a 400. Chunk sizes, extensions
   (``;name[=value]``, BWS allowed around ``;`` and ``=``) and trailer fields are checked
   (RFC 9112 7.1); extensions and trailers are then dropped.
3. An HTTP/1.1 request without a Host field, any request with two, or with a Host value
   that is not ``uri-host [":" port]``, is a 400 (RFC 9112 3.2).
4. A request line longer than ``Limits.max_request_line`` is a 414; a head over
   ``max_header_size`` bytes or ``max_header_count`` fields is a 431 (trailers alike); a
   body over ``max_body_size`` is a 413 (at the head when Content-Length says so, else
   as it streams).
5. After a ``ProtocolError`` or an upgrade to WebSocket the reader takes no more bytes.
6. Any other ``Upgrade`` is ignored, as RFC 9110 (7.8) lets a server do: the request is
   read as plain HTTP/1.1, body included, and the connection goes on with HTTP.
7. A request line without an HTTP version (HTTP/0.9) is a 400; a version other than
   1.0 or 1.1 is a 505.
8. Nothing is read after a request that ends the connection (``keep_alive`` False: RFC
   9112 9.6). An HTTP/1.0 request with ``Transfer-Encoding`` is one: its framing is
   faulty (RFC 9112 6.1), so it is read and answered, never kept alive.
9. Any RFC 9110 token is a method. llhttp knows a fixed list, so a request line whose
   method is not one of the common ones is given to llhttp with ``GET`` in its place,
   and the request keeps the method sent.
"""

from __future__ import annotations

from urllib.parse import unquote

import httptools

from albany.http1.chunked import ChunkedBody
from albany.http1.errors import ProtocolError
from albany.http1.events import END_OF_MESSAGE, Data, Event, Request
from albany.http1.head_limits import HeadBudget
from albany.http1.limits import Limits
from albany.http1.methods import COMMON_METHODS
from albany.http1.syntax import NOT_IN_REQUEST_LINE, REQUEST_LINE, REQUEST_LINE_CRLF, valid_host

_CRLF = b"\r\n"
_new_tuple = tuple.__new__  # builds an event (a named tuple) from its fields, in C
_HEAD_END = b"\r\n\r\n"
_VERSIONS = {b"1.1": "1.1", b"1.0": "1.0"}  # a request line's version, as llhttp names it
_READ_FIELDS = frozenset((b"host", b"content-length", b"transfer-encoding", b"expect", b"upgrade"))
"""The fields whose value the reader itself acts on (``on_header``)."""
_EMPTY_CHUNKED_BODY = b"0\r\n\r\n"  # what llhttp is given after a chunked head
_LINE, _HEAD, _LENGTH, _CHUNKED = range(4)  # what the reader is reading


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


def _head_error(exc: Exception, reader: RequestReader) -> None:
    """Handle what llhttp raised reading a head: raise its ``ProtocolError``, if any."""
    if isinstance(exc, httptools.HttpParserUpgrade):
        reader._parser_idle = False  # paused by llhttp: the next message gets a new one
    elif isinstance(exc, httptools.HttpParserCallbackError):
        cause = exc.__context__
        if isinstance(cause, ProtocolError):
            raise cause from None
        raise ProtocolError(400, "Invalid HTTP request") from exc
    elif isinstance(exc, httptools.HttpParserError):
        raise ProtocolError(400, f"Invalid HTTP request: {exc}") from None
    else:
        raise exc


class RequestReader:
    """Frames the request stream, has llhttp parse each head, returns the events."""

    __slots__ = (
        "_limits",
        "_max_body",
        "_parser",
        "_parser_idle",
        "_events",
        "_phase",
        "_line",
        "_head_tail",
        "_head_done",
        "_url",
        "_headers",
        "_budget",
        "_in_head",
        "_host_count",
        "_host_valid",
        "_known_host",
        "_content_length",
        "_chunked",
        "_expect_continue",
        "_upgrade",
        "_switching",
        "_body_bytes",
        "_body_left",
        "_chunks",
        "_dead",
        "_upgraded",
        "_method",
        "_version",
        "_close_after",
        "upgrade_data",
    )

    def __init__(self, limits: Limits = Limits()) -> None:
        self._limits = limits
        self._max_body = limits.max_body_size
        self._parser = httptools.HttpRequestParser(self)
        self._parser_idle = True  # llhttp is between two messages and may be reused
        self._events: list[Event] = []
        self._phase = _LINE
        self._line = b""  # the request line received so far (or a CR of an empty line)
        self._head_tail = b""  # the last bytes of the head given to llhttp
        self._head_done = False
        self._url = b""
        self._headers: list[tuple[bytes, bytes]] = []
        self._budget = HeadBudget(limits)
        self._in_head = False
        self._host_count = 0
        self._host_valid = True
        self._known_host = b"\x00"  # the last Host value found valid (NUL never is)
        self._content_length = 0
        self._chunked = False
        self._expect_continue = False
        self._upgrade: bytes | None = None
        self._switching = False
        self._body_bytes = 0
        self._body_left = 0
        self._chunks: ChunkedBody | None = None
        self._dead = False
        self._upgraded = False
        self._method: str | None = None  # the method, when known before llhttp's reading
        self._version: str | None = None  # the version, when known before llhttp's reading
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
        pos = 0
        end = len(data)
        try:
            while pos < end and not self._dead:
                phase = self._phase
                if phase == _LINE:
                    pos = self._read_request_line(data, pos)
                elif phase == _HEAD:
                    pos = self._read_head(data, pos)
                elif phase == _LENGTH:
                    pos = self._read_length_body(data, pos)
                else:
                    pos = self._read_chunked_body(data, pos)
        except ProtocolError:
            self._dead = True
            raise
        events = self._events
        self._events = []
        return events

    # framing

    def _read_request_line(self, data: bytes, pos: int) -> int:
        """Take (part of) the request line at ``data[pos:]``; give it to llhttp once whole."""
        limit = self._limits.max_request_line
        held = self._line
        if not held:  # the common case first: a whole, valid line of a common method
            match = REQUEST_LINE_CRLF.match(data, pos)
            if match is not None:
                token, version = match.groups()
                line_end = match.end()
            if match is not None and line_end - pos - 2 <= limit and token in COMMON_METHODS:
                self._begin_message()
                self._method = COMMON_METHODS[token]
                self._version = _VERSIONS.get(version)
                found = data.find(_HEAD_END, line_end - 2)
                if found >= 0:  # the whole head is here: small enough for any limit?
                    head_end = found + 4
                    limits = self._limits
                    if (
                        head_end - pos <= limits.max_header_size
                        and data.count(b"\n", pos, head_end) <= limits.max_header_count
                    ):
                        whole = pos == 0 and head_end == len(data)
                        try:
                            self._parser.feed_data(data if whole else data[pos:head_end])
                        except Exception as exc:
                            _head_error(exc, self)
                        if not self._head_done:
                            raise ProtocolError(400, "Invalid HTTP request")
                        return self._after_head(data, head_end)
                self._begin_counted_head()
                self._budget.skip_line = True
                return self._read_head(data, pos)  # line and fields to llhttp in one call
        if held:  # the line began in an earlier feed
            window = held + data[pos : pos + limit + 2]
            begin = 0
            shift = pos - len(held)  # an offset in ``data`` is one in ``window`` plus this
        else:
            window = data
            begin = pos
            shift = 0
        first = window[begin]
        if first == 13 or first == 10:
            if window.startswith(_CRLF, begin):
                self._line = b""
                return begin + 2 + shift  # an empty line before the request line
            if first == 13 and len(window) == begin + 1:
                self._line = b"\r"
                return len(data)
            raise ProtocolError(400, "Invalid empty line before the request line")
        lf = window.find(b"\n", begin, begin + limit + 2)
        if lf < 0:
            part = window[begin : begin + limit + 2]
            line = part[:-1] if part[-1] == 13 else part
            if NOT_IN_REQUEST_LINE.search(line) is not None:
                raise ProtocolError(400, "Invalid request line")
            if len(line) > limit:
                raise ProtocolError(414, "Request line too long")
            self._line = part
            self._in_head = True
            return len(data)
        self._line = b""
        if window[lf - 1] != 13:
            raise ProtocolError(400, "Bare LF in the request line")
        line = window[begin : lf - 1]
        if len(line) > limit:
            raise ProtocolError(414, "Request line too long")
        match = REQUEST_LINE.fullmatch(line)
        if match is None:
            raise ProtocolError(400, "Invalid request line")
        self._begin_message()
        self._begin_counted_head()
        token = match.group(1)
        if not held and token in COMMON_METHODS:
            self._budget.skip_line = True
            return self._read_head(data, pos)  # line and fields to llhttp in one call
        given = window[begin : lf + 1]
        if token not in COMMON_METHODS:
            self._method = token.decode("ascii")
            given = b"GET" + given[len(token) :]
        self._head_tail = given[-3:]
        self._parse_head(given)
        return lf + 1 + shift

    def decline_upgrade(self) -> bytes:
        """Read on as HTTP after a WebSocket upgrade request (without a body) not taken.

        Returns the bytes that followed it, to feed again.
        """
        assert self._upgraded and not (self._chunked or self._content_length > 0)
        self._dead = self._upgraded = self._switching = False
        self._phase = _LINE
        self._parser_idle = False  # llhttp stopped at the upgrade: the next head gets a new one
        data, self.upgrade_data = self.upgrade_data, b""
        return data

    def _begin_message(self) -> None:
        self._phase = _HEAD
        self._in_head = True
        self._head_done = False
        self._url = b""
        self._headers = []
        self._host_count = 0
        self._host_valid = True
        self._content_length = 0
        self._chunked = False
        self._expect_continue = False
        self._upgrade = None
        self._body_bytes = 0
        if not self._parser_idle:
            self._parser = httptools.HttpRequestParser(self)
        self._parser_idle = False

    def _begin_counted_head(self) -> None:
        """Make ready to read a head in pieces, counted against its limits as they come."""
        self._head_tail = b""
        self._budget.reset()

    def _read_head(self, data: bytes, pos: int) -> int:
        """Give llhttp the fields at ``data[pos:]``, up to the empty line ending the head."""
        tail = self._head_tail
        across = (tail + data[pos : pos + 3]).find(_HEAD_END)
        if across >= 0:
            head_end = pos + across + 4 - len(tail)
        else:
            found = data.find(_HEAD_END, pos)
            head_end = found + 4 if found >= 0 else -1
        stop = len(data) if head_end < 0 else head_end
        part = data if pos == 0 and stop == len(data) else data[pos:stop]
        over = self._budget.crossing(part, head_end >= 0)
        if over >= 0:
            self._parse_head(part[:over])  # a syntax error before the limit comes first
            raise ProtocolError(431, "Request header fields too large")
        self._parse_head(part)
        if head_end < 0:
            if self._head_done:
                raise ProtocolError(400, "Invalid HTTP request")  # llhttp saw another end
            self._head_tail = (tail + part)[-3:]
            return stop
        if not self._head_done:
            raise ProtocolError(400, "Invalid HTTP request")
        return self._after_head(data, head_end)

    def _after_head(self, data: bytes, head_end: int) -> int:
        """Go on after a head llhttp read whole, ending at ``head_end`` in ``data``."""
        self._in_head = False
        if self._switching:
            self._dead = self._upgraded = True
            self.upgrade_data = data[head_end:]
            self._events.append(END_OF_MESSAGE)
        elif self._chunked:
            if not self._parser_idle:  # llhttp ends the message on an empty body: reusable
                try:
                    self._parser.feed_data(_EMPTY_CHUNKED_BODY)
                except (httptools.HttpParserError, httptools.HttpParserUpgrade):
                    pass  # still not idle: a new parser for the next message, then
            chunks = self._chunks
            if chunks is None:
                limits = self._limits
                self._chunks = ChunkedBody(
                    limits.max_request_line, limits.max_header_size, limits.max_header_count
                )
            else:
                chunks.reset()
            self._phase = _CHUNKED
            if head_end < len(data):
                return self._read_chunked_body(data, head_end)
        elif self._content_length:
            self._body_left = self._content_length
            self._phase = _LENGTH
        else:  # _end_message, inline
            self._events.append(END_OF_MESSAGE)
            self._phase = _LINE
            if self._close_after:
                self._dead = True
        return head_end

    def _parse_head(self, part: bytes) -> None:
        try:
            self._parser.feed_data(part)
        except Exception as exc:
            _head_error(exc, self)

    def _read_length_body(self, data: bytes, pos: int) -> int:
        take = min(self._body_left, len(data) - pos)
        self._body_piece(data if take == len(data) else data[pos : pos + take])
        self._body_left -= take
        if not self._body_left:
            self._end_message()
        return pos + take

    def _read_chunked_body(self, data: bytes, pos: int) -> int:
        chunks = self._chunks
        assert chunks is not None
        pieces: list[bytes] = []
        try:
            pos, done = chunks.feed(data, pos, pieces)
        finally:  # the body read before an error is an event too, however the bytes came
            if pieces:
                self._body_pieces(pieces)
        if done:
            self._end_message()
        return pos

    def _body_piece(self, piece: bytes) -> None:
        self._body_bytes += len(piece)
        max_body = self._limits.max_body_size
        if max_body is not None and self._body_bytes > max_body:
            raise ProtocolError(413, "Request body too large")
        self._events.append(_new_tuple(Data, (piece,)))

    def _body_pieces(self, pieces: list[bytes]) -> None:
        """``_body_piece`` for each of ``pieces``, in one call."""
        events = self._events
        max_body = self._limits.max_body_size
        for piece in pieces:
            self._body_bytes += len(piece)
            if max_body is not None and self._body_bytes > max_body:
                raise ProtocolError(413, "Request body too large")
            events.append(_new_tuple(Data, (piece,)))

    def _end_message(self) -> None:
        self._events.append(END_OF_MESSAGE)
        self._phase = _LINE
        if self._close_after:
            self._dead = True

    # llhttp callbacks, through httptools: only ever given a head

    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        name = name.lower()
        value = value.rstrip(b" \t")
        self._headers.append((name, value))  # within the limits: HeadBudget counted them
        if name not in _READ_FIELDS:
            return
        if name == b"host":
            self._host_count += 1
            if value != self._known_host:
                if valid_host(value):
                    self._known_host = value  # most requests on a connection repeat it
                else:
                    self._host_valid = False
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
        self._head_done = True
        parser = self._parser
        method = self._method
        self._method = None
        if method is None:
            raw_method = parser.get_method()
            method = COMMON_METHODS.get(raw_method) or raw_method.decode("ascii")
        version = self._version
        if version is None:
            version = parser.get_http_version()
        else:
            self._version = None
        keep_alive = parser.should_keep_alive()
        if version == "1.1":
            if self._host_count != 1:
                raise ProtocolError(400, "Exactly one Host field is required")
        elif version == "1.0":
            if self._chunked:
                keep_alive = False
        elif version == "0.9":
            raise ProtocolError(400, "Invalid request line")
        else:
            raise ProtocolError(505, "HTTP version not supported")
        if self._host_count > 1 or not self._host_valid:
            raise ProtocolError(400, "Invalid Host field")
        url = self._url
        if b"#" in url:
            raise ProtocolError(400, "A fragment in the request target")  # RFC 9112 3.2
        if url == b"*" and method != "OPTIONS":
            raise ProtocolError(400, "The asterisk-form target is for OPTIONS only")
        self._close_after = not keep_alive  # RFC 9112 9.6: no request is read after it
        content_length = self._content_length
        max_body = self._max_body
        if max_body is not None and content_length > max_body:
            raise ProtocolError(413, "Request body too large")
        if url[:1] == b"/":
            raw_path, _, query = url.partition(b"?")
        else:
            raw_path, query = split_target(url)
        path = raw_path.decode("latin-1")
        if "%" in path:
            path = unquote(path)
        has_body = self._chunked or content_length > 0
        upgrade = self._upgrade
        switching = False
        if upgrade is not None:
            switching = parser.should_upgrade() and upgrade.strip().lower() == b"websocket"
            if not switching:
                upgrade = None
        self._switching = switching
        self._events.append(
            _new_tuple(  # Request(...), without the Python-level __new__
                Request,
                (
                    method,
                    version,
                    raw_path,
                    path,  # as decode_path has it
                    query,
                    self._headers,
                    keep_alive,
                    self._expect_continue and has_body and version == "1.1",
                    has_body,
                    upgrade,
                ),
            )
        )

    def on_body(self, body: bytes) -> None:
        # llhttp is never given a body: if it reads one, it found the head's end elsewhere
        raise ProtocolError(400, "Invalid HTTP request")

    def on_message_complete(self) -> None:
        self._parser_idle = True

"""A strict reading of an HTTP/1.1 request stream (RFC 9112, RFC 9110), for the fuzzer.

Written to be obviously right rather than fast: the stream is cut into lines and bodies
exactly as the grammar says, and anything the grammar does not allow stops the reading.
It knows Albany's choices where the RFCs leave one or where clients stray: in a
request-target's path and query any visible ASCII byte but ``#`` is taken (clients send
``|``, ``[``, ``{`` or a stray ``%`` unencoded, and the RFC 3986 set would refuse them),
an absolute-form's port is not empty, a transfer-coding other than
``chunked`` is refused, Content-Length must be one field of digits, only an upgrade to
``websocket`` switches protocols, and nothing is read after a message that ends the
connection. It has no size limits; Albany's limits make it stricter, never laxer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from ipaddress import IPv6Address

TOKEN = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_OWS = rb"[ \t]*"
_VALUE_BYTE = rb"[\t\x20-\x7e\x80-\xff]"
_QUOTED = rb'"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*"'

# RFC 3986 pieces of a request-target (RFC 9112 3.2)
_PCT = rb"%[0-9A-Fa-f]{2}"
_SUB_DELIMS = rb"!$&'()*+,;="
_UNRESERVED = rb"A-Za-z0-9\-._~"
_REG_NAME = rb"(?:[" + _UNRESERVED + _SUB_DELIMS + rb"]|" + _PCT + rb")*"
_IP_LITERAL = rb"\[(?:[0-9A-Fa-f:.]+|v[0-9A-Fa-f]+\.[" + _UNRESERVED + _SUB_DELIMS + rb":]+)\]"
_HOST = rb"(?:" + _REG_NAME + rb"|" + _IP_LITERAL + rb")"
_USERINFO = rb"(?:[" + _UNRESERVED + _SUB_DELIMS + rb":]|" + _PCT + rb")*"

_TARGET_BYTE = rb"[\x21-\x22\x24-\x3e\x40-\x7e]"  # VCHAR but "#" and "?"
_TOLERANT_PATH = rb"(?:/" + _TARGET_BYTE + rb"*)+"
_TOLERANT_QUERY = rb"[\x21-\x22\x24-\x7e]*"  # VCHAR but "#"

REQUEST_LINE = re.compile(rb"(" + TOKEN + rb") ([^ ]*) HTTP/([0-9])\.([0-9])")
ORIGIN_FORM = re.compile(rb"(" + _TOLERANT_PATH + rb")(?:\?(" + _TOLERANT_QUERY + rb"))?")
ABSOLUTE_FORM = re.compile(
    rb"[A-Za-z][A-Za-z0-9+\-.]*://(?:"
    + _USERINFO
    + rb"@)?("
    + _HOST
    + rb")(?::[0-9]+)?("
    + _TOLERANT_PATH
    + rb"?)(?:\?("
    + _TOLERANT_QUERY
    + rb"))?"
)
AUTHORITY_FORM = re.compile(_HOST + rb":[0-9]*")
HOST_VALUE = re.compile(rb"(" + _HOST + rb")(?::[0-9]*)?")
FIELD_LINE = re.compile(rb"(" + TOKEN + rb"):" + _OWS + rb"(" + _VALUE_BYTE + rb"*?)" + _OWS)
CHUNK_LINE = re.compile(
    rb"([0-9A-Fa-f]+)(?:"
    + _OWS
    + rb";"
    + _OWS
    + TOKEN
    + rb"(?:"
    + _OWS
    + rb"="
    + _OWS
    + rb"(?:"
    + TOKEN
    + rb"|"
    + _QUOTED
    + rb"))?)*"
)


@dataclass(frozen=True)
class Head:
    """A request head as the strict reading finds it (names lower-cased, values trimmed)."""

    method: bytes
    raw_path: bytes
    query: bytes
    version: bytes  # b"1.0" or b"1.1"
    fields: tuple[tuple[bytes, bytes], ...]


@dataclass
class Message:
    """A request: its head, its body so far, and whether the body is complete."""

    head: Head
    body: bytes = b""
    complete: bool = False


@dataclass
class Reading:
    """What a stream holds: the requests, then why the reading stopped (if it did)."""

    messages: list[Message] = field(default_factory=list)
    error: str | None = None  # the stream broke the grammar here
    unsupported_version: bool = False  # the error is a well-formed version other than 1.x
    ended: bool = False  # a message ended the connection (close, or an upgrade)


class _Stop(Exception):
    """The stream broke the grammar."""


class _Short(Exception):
    """The stream ended before the part being read."""


class _Cursor:
    """Reads lines and byte runs from a stream, raising ``_Short`` at its end."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def at_end(self) -> bool:
        return self.pos >= len(self.data)

    def line(self) -> bytes:
        """The next line; it must end in CRLF and hold no other CR or LF."""
        lf = self.data.find(b"\n", self.pos)
        if lf < 0:
            rest = self.data[self.pos :]
            if b"\r" in rest[:-1]:
                raise _Stop("bare CR")
            raise _Short
        line = self.data[self.pos : lf + 1]
        if not line.endswith(b"\r\n") or b"\r" in line[:-2]:
            raise _Stop("bare CR or LF")
        self.pos = lf + 1
        return line[:-2]

    def take(self, size: int) -> bytes:
        """Up to ``size`` bytes (fewer at the stream's end)."""
        run = self.data[self.pos : self.pos + size]
        self.pos += len(run)
        return run


def valid_host(value: bytes) -> bool:
    """``uri-host [ ":" port ]``, IPv6 literals checked by the standard library."""
    match = HOST_VALUE.fullmatch(value)
    if match is None:
        return False
    host = match.group(1)
    if host.startswith(b"[") and not host.startswith(b"[v"):
        try:
            IPv6Address(host[1:-1].decode("ascii"))
        except ValueError:
            return False
    return True


def _target(method: bytes, target: bytes) -> tuple[bytes, bytes]:
    """``(raw_path, query)`` of a request-target in the form its method allows.

    An absolute-form target is reduced to its path and query, as Albany's scope has them;
    its host may not be empty (RFC 9110 4.2.1).
    """
    if target == b"*":
        if method != b"OPTIONS":
            raise _Stop("asterisk-form is for OPTIONS only")
        return b"*", b""
    if method == b"CONNECT":
        if AUTHORITY_FORM.fullmatch(target) is None:
            raise _Stop("CONNECT needs the authority-form")
        return target, b""
    match = ORIGIN_FORM.fullmatch(target)
    if match is not None:
        return match.group(1), match.group(2) or b""
    match = ABSOLUTE_FORM.fullmatch(target)
    if match is None or not match.group(1) or not valid_host(match.group(1)):
        raise _Stop("invalid request-target")
    return match.group(2) or b"/", match.group(3) or b""


def _list(value: bytes) -> list[bytes]:
    """The lower-cased members of a comma-separated field value."""
    return [item.strip(b" \t").lower() for item in value.split(b",") if item.strip(b" \t")]


def _read_head(cursor: _Cursor, reading: Reading) -> tuple[Head, bool, int, bool, bool]:
    """A head, then ``(head, chunked, content_length, persistent, switching)``."""
    while cursor.data.startswith(b"\r\n", cursor.pos):
        cursor.pos += 2  # RFC 9112 2.2: empty lines before a request line are ignored
    if cursor.at_end():
        raise _Short
    match = REQUEST_LINE.fullmatch(cursor.line())
    if match is None:
        raise _Stop("invalid request line")
    method, target, major, minor = match.groups()
    if (major, minor) not in ((b"1", b"1"), (b"1", b"0")):
        reading.unsupported_version = major != b"0"
        raise _Stop("unsupported version")
    version = major + b"." + minor
    raw_path, query = _target(method, target)
    fields: list[tuple[bytes, bytes]] = []
    while True:
        line = cursor.line()
        if not line:
            break
        field_match = FIELD_LINE.fullmatch(line)
        if field_match is None:
            raise _Stop("invalid field line")
        fields.append((field_match.group(1).lower(), field_match.group(2)))
    head = Head(method, raw_path, query, version, tuple(fields))

    def values(name: bytes) -> list[bytes]:
        return [value for key, value in fields if key == name]

    hosts = values(b"host")
    if len(hosts) > 1 or (version == b"1.1" and not hosts):
        raise _Stop("Host must appear once")
    if hosts and not valid_host(hosts[0]):
        raise _Stop("invalid Host")
    codings = values(b"transfer-encoding")
    lengths = values(b"content-length")
    if codings and lengths:
        raise _Stop("Transfer-Encoding with Content-Length")
    if codings and (len(codings) > 1 or _list(codings[0]) != [b"chunked"]):
        raise _Stop("a transfer-coding other than chunked")
    if len(lengths) > 1 or (lengths and re.fullmatch(rb"[0-9]+", lengths[0]) is None):
        raise _Stop("invalid Content-Length")
    options = [option for value in values(b"connection") for option in _list(value)]
    if version == b"1.1":
        persistent = b"close" not in options
    else:
        persistent = b"keep-alive" in options and b"close" not in options and not codings
    upgrades = values(b"upgrade")
    switching = b"upgrade" in options and len(upgrades) == 1 and upgrades[0].lower() == b"websocket"
    return head, bool(codings), int(lengths[0]) if lengths else 0, persistent, switching


def _read_chunked(cursor: _Cursor, message: Message) -> None:
    while True:
        match = CHUNK_LINE.fullmatch(cursor.line())
        if match is None:
            raise _Stop("invalid chunk line")
        size = int(match.group(1), 16)
        if not size:
            break
        data = cursor.take(size)
        message.body += data
        if len(data) < size:
            raise _Short
        end = cursor.take(2)
        if end != b"\r\n"[: len(end)]:
            raise _Stop("chunk data not followed by CRLF")
        if len(end) < 2:
            raise _Short
    while True:
        line = cursor.line()
        if not line:
            return
        if FIELD_LINE.fullmatch(line) is None:
            raise _Stop("invalid trailer field")


def read_stream(data: bytes) -> Reading:
    """Every request in ``data`` the grammar allows, and where and why it stopped."""
    reading = Reading()
    cursor = _Cursor(data)
    try:
        while True:
            head, chunked, length, persistent, switching = _read_head(cursor, reading)
            message = Message(head)
            reading.messages.append(message)
            if switching:
                message.complete = reading.ended = True
                return reading
            if chunked:
                _read_chunked(cursor, message)
            else:
                message.body = cursor.take(length)
                if len(message.body) < length:
                    raise _Short
            message.complete = True
            if not persistent:
                reading.ended = True
                return reading
    except _Short:
        return reading
    except _Stop as stop:
        reading.error = str(stop)
        return reading

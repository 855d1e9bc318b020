"""RequestReader: every input fed whole, byte by byte, and followed by the next request's start.

The three feeding modes (the idea of h11's ``test_io.py``) must give the same events:
how the bytes are split by the network is not the client's choice and must not matter.
"""

from __future__ import annotations

from typing import Literal

import pytest

from albany.http1 import END_OF_MESSAGE, Data, Event, Limits, ProtocolError, Request, RequestReader

Mode = Literal["whole", "bytewise", "trailing"]
MODES: tuple[Mode, ...] = ("whole", "bytewise", "trailing")

NEXT_REQUEST_START = b"GET /next HTTP/1.1\r\nHost: a\r\nX-Part"
"""What follows the input in ``trailing`` mode: a head that has begun but is incomplete."""

GET = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> Mode:
    """How the input is fed: whole, byte by byte, or followed by the start of a next request."""
    value: Mode = request.param
    return value


def merge_data(events: list[Event]) -> list[Event]:
    """Join consecutive ``Data`` events, so that byte-wise feeding compares equal."""
    merged: list[Event] = []
    for event in events:
        if type(event) is Data and merged and type(merged[-1]) is Data:
            merged[-1] = Data(merged[-1].data + event.data)
        else:
            merged.append(event)
    return merged


def feed(data: bytes, mode: Mode, limits: Limits = Limits()) -> tuple[list[Event], RequestReader]:
    """Feed ``data`` in ``mode``; the events (``Data`` merged) and the reader."""
    reader = RequestReader(limits)
    events: list[Event] = []
    if mode == "whole":
        events += reader.feed(data)
    elif mode == "bytewise":
        for i in range(len(data)):
            events += reader.feed(data[i : i + 1])
    else:
        try:
            events += reader.feed(data + NEXT_REQUEST_START)
        except ProtocolError:
            # nothing may follow a request that closes the connection: the reader refuses it
            events += reader.take_events()
            heads = [event for event in events if type(event) is Request]
            if not heads or heads[-1].keep_alive or events[-1] != END_OF_MESSAGE:
                raise
    return merge_data(events), reader


def read(data: bytes, mode: Mode, limits: Limits = Limits()) -> list[Event]:
    """Feed a valid input; its events. In ``trailing`` mode the next head must be pending."""
    events, reader = feed(data, mode, limits)
    if mode == "trailing" and not reader.finished:
        assert reader.reading_head, "the next request's head was not taken up"
    return events


def read_error(data: bytes, mode: Mode, limits: Limits = Limits()) -> ProtocolError:
    """Feed an invalid input; the ``ProtocolError`` it raises. The reader is finished after."""
    reader = RequestReader(limits)
    with pytest.raises(ProtocolError) as caught:
        if mode == "bytewise":
            for i in range(len(data)):
                reader.feed(data[i : i + 1])
        else:
            reader.feed(data if mode == "whole" else data + NEXT_REQUEST_START)
    assert reader.finished
    assert reader.feed(GET) == []
    return caught.value


def request(
    method: str = "GET",
    raw_path: bytes = b"/",
    query_string: bytes = b"",
    headers: list[tuple[bytes, bytes]] | None = None,
    http_version: str = "1.1",
    keep_alive: bool = True,
    expect_continue: bool = False,
    has_body: bool = False,
    upgrade: bytes | None = None,
    path: str | None = None,
) -> Request:
    """The ``Request`` event expected, with the defaults of a plain GET."""
    return Request(
        method=method,
        http_version=http_version,
        raw_path=raw_path,
        path=raw_path.decode("ascii") if path is None else path,
        query_string=query_string,
        headers=[(b"host", b"a")] if headers is None else headers,
        keep_alive=keep_alive,
        expect_continue=expect_continue,
        has_body=has_body,
        upgrade=upgrade,
    )


# Valid requests


def test_simple_get(mode: Mode) -> None:
    assert read(GET, mode) == [request(), END_OF_MESSAGE]


def test_keep_alive_and_pipelining(mode: Mode) -> None:
    data = (
        b"GET /one HTTP/1.1\r\nHost: a\r\n\r\n"
        b"POST /two HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
        b"GET /three HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
    )
    assert read(data, mode) == [
        request(raw_path=b"/one"),
        END_OF_MESSAGE,
        request(
            "POST",
            b"/two",
            headers=[(b"host", b"a"), (b"content-length", b"5")],
            has_body=True,
        ),
        Data(b"hello"),
        END_OF_MESSAGE,
        request(
            raw_path=b"/three",
            headers=[(b"host", b"a"), (b"connection", b"close")],
            keep_alive=False,
        ),
        END_OF_MESSAGE,
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(
            b"GET / HTTP/1.0\r\n\r\n",
            [request(http_version="1.0", headers=[], keep_alive=False), END_OF_MESSAGE],
            id="close-by-default",
        ),
        pytest.param(
            b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
            [
                request(http_version="1.0", headers=[(b"connection", b"keep-alive")]),
                END_OF_MESSAGE,
            ],
            id="keep-alive",
        ),
        pytest.param(
            b"POST / HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc",
            [
                request(
                    "POST",
                    http_version="1.0",
                    headers=[(b"content-length", b"3")],
                    keep_alive=False,
                    has_body=True,
                ),
                Data(b"abc"),
                END_OF_MESSAGE,
            ],
            id="body",
        ),
    ],
)
def test_http_1_0_needs_no_host(mode: Mode, data: bytes, expected: list[Event]) -> None:
    assert read(data, mode) == expected


def test_chunked_body_with_extensions_and_trailers(mode: Mode) -> None:
    data = (
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;name=value\r\nhello\r\n"
        b'6;a;b="q"\r\n world\r\n'
        b"0\r\nX-Trailer: dropped\r\nX-Other: also\r\n\r\n"
    )
    assert read(data, mode) == [
        request(
            "POST",
            headers=[(b"host", b"a"), (b"transfer-encoding", b"chunked")],
            has_body=True,
        ),
        Data(b"hello world"),
        END_OF_MESSAGE,
    ]


def test_chunked_is_case_insensitive(mode: Mode) -> None:
    data = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"
    events = read(data, mode)
    assert events[1:] == [Data(b"hi"), END_OF_MESSAGE]


def test_content_length_body(mode: Mode) -> None:
    data = b"PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world"
    assert read(data, mode) == [
        request(
            "PUT",
            b"/x",
            headers=[(b"host", b"a"), (b"content-length", b"11")],
            has_body=True,
        ),
        Data(b"hello world"),
        END_OF_MESSAGE,
    ]


def test_zero_content_length_has_no_body(mode: Mode) -> None:
    data = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"
    [head, end] = read(data, mode)
    assert type(head) is Request and not head.has_body
    assert end == END_OF_MESSAGE


@pytest.mark.parametrize(
    ("target", "raw_path", "path", "query_string"),
    [
        (b"http://example.com/a%2Fb?q=1", b"/a%2Fb", "/a/b", b"q=1"),
        (b"http://example.com", b"/", "/", b""),
        (b"http://example.com:8080/p?", b"/p", "/p", b""),
        (b"https://user@example.com/x/y?a=1&b=%20", b"/x/y", "/x/y", b"a=1&b=%20"),
    ],
)
def test_absolute_form_target(
    mode: Mode, target: bytes, raw_path: bytes, path: str, query_string: bytes
) -> None:
    data = b"GET " + target + b" HTTP/1.1\r\nHost: example.com\r\n\r\n"
    [head, _] = read(data, mode)
    assert type(head) is Request
    assert (head.raw_path, head.path, head.query_string) == (raw_path, path, query_string)


def test_asterisk_form_target(mode: Mode) -> None:
    [head, _] = read(b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", mode)
    assert head == request("OPTIONS", b"*")


def test_path_is_percent_decoded_raw_path_and_query_are_not(mode: Mode) -> None:
    data = b"GET /caf%C3%A9/a%20b%2Fc?x=%20&y=%C3%A9 HTTP/1.1\r\nHost: a\r\n\r\n"
    [head, _] = read(data, mode)
    assert type(head) is Request
    assert head.raw_path == b"/caf%C3%A9/a%20b%2Fc"
    assert head.path == "/café/a b/c"
    assert head.query_string == b"x=%20&y=%C3%A9"


def test_header_names_lower_cased_and_values_stripped(mode: Mode) -> None:
    data = (
        b"GET / HTTP/1.1\r\nHOST: a\r\n"
        b"X-Mixed-Case:\t  inner  spaces  kept \t\r\n"
        b"x-empty:\r\n"
        b"X-Blank:   \r\n"
        b"X-Obs-Text: caf\xc3\xa9\r\n\r\n"
    )
    [head, _] = read(data, mode)
    assert type(head) is Request
    assert head.headers == [
        (b"host", b"a"),
        (b"x-mixed-case", b"inner  spaces  kept"),
        (b"x-empty", b""),
        (b"x-blank", b""),
        (b"x-obs-text", b"caf\xc3\xa9"),
    ]


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n", True),
        (b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n", True),
        (b"GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n", False),
        (b"POST / HTTP/1.1\r\nHost: a\r\nExpect: something\r\nContent-Length: 3\r\n\r\n", False),
        (b"POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n", False),
    ],
    ids=["with-body", "case-insensitive", "no-body", "other-expectation", "http-1.0"],
)
def test_expect_continue_flag(mode: Mode, head: bytes, expected: bool) -> None:
    body = b"abc" if b"Content-Length" in head else b""
    events = read(head + body, mode)
    assert type(events[0]) is Request
    assert events[0].expect_continue is expected


def test_upgrade_detected_and_reader_stops(mode: Mode) -> None:
    data = b"GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
    events, reader = feed(data, mode)
    assert events == [
        request(
            raw_path=b"/ws",
            headers=[(b"host", b"a"), (b"connection", b"Upgrade"), (b"upgrade", b"websocket")],
            upgrade=b"websocket",
        ),
        END_OF_MESSAGE,
    ]
    assert reader.finished
    # the bytes after the head belong to the new protocol, not to HTTP/1.1
    assert reader.upgrade_data == (NEXT_REQUEST_START if mode == "trailing" else b"")
    assert reader.feed(GET) == []


def test_upgrade_header_without_connection_upgrade_is_ignored(mode: Mode) -> None:
    data = b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n"
    events, reader = feed(data, mode)
    assert type(events[0]) is Request
    assert events[0].upgrade is None
    assert not reader.finished


@pytest.mark.parametrize(
    "framing, body",
    [
        (b"Content-Length: 5\r\n", b"hello"),
        (b"Transfer-Encoding: chunked\r\n", b"3\r\nhel\r\n2\r\nlo\r\n0\r\nX-T: 1\r\n\r\n"),
        (b"", b""),
    ],
)
def test_other_upgrades_are_ignored_and_http_goes_on(
    mode: Mode, framing: bytes, body: bytes
) -> None:
    head = b"POST /up HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n" + framing
    then = b"GET /next HTTP/1.1\r\nHost: a\r\n\r\n"
    events = read(head + b"\r\n" + body + then, mode)
    fields = [(b"host", b"a"), (b"connection", b"Upgrade"), (b"upgrade", b"h2c")]
    if framing:
        name, _, value = framing.strip().partition(b": ")
        fields.append((name.lower(), value))
    first = request("POST", b"/up", headers=fields, has_body=bool(body))
    expected: list[Event] = [first] + ([Data(b"hello")] if body else []) + [END_OF_MESSAGE]
    assert events == expected + [request(raw_path=b"/next"), END_OF_MESSAGE]


def test_an_ignored_upgrade_keeps_the_body_limit(mode: Mode) -> None:
    data = (
        b"POST / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n9\r\n123456789\r\n0\r\n\r\n"
    )
    assert read_error(data, mode, Limits(max_body_size=8)).status == 413


def test_reading_head_tracks_an_incomplete_head() -> None:
    reader = RequestReader()
    assert not reader.reading_head
    assert reader.feed(b"GET / HT") == []
    assert reader.reading_head
    assert len(reader.feed(b"TP/1.1\r\nHost: a\r\n\r\n")) == 2
    assert not reader.reading_head


def test_events_before_an_error_are_kept() -> None:
    reader = RequestReader()
    with pytest.raises(ProtocolError):
        reader.feed(GET + b"GET / HTTP/1.1\r\n\r\n")
    assert reader.take_events() == [request(), END_OF_MESSAGE]
    assert reader.take_events() == []


# Invalid requests


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n"
            b"\r\n0\r\n\r\n",
            id="content-length-then-transfer-encoding",
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n"
            b"\r\n0\r\n\r\n",
            id="transfer-encoding-then-content-length",
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
            id="duplicate-content-length",
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
            id="conflicting-content-length",
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\nhello",
            id="content-length-list",
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
            id="negative-content-length",
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n",
            id="transfer-coding-gzip",
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
            id="transfer-coding-gzip-chunked",
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n",
            id="transfer-coding-identity",
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            id="bad-chunk-size",
        ),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nX Foo: b\r\n\r\n", id="space-in-name"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nX(Foo): b\r\n\r\n", id="separator-in-name"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nX-Foo : b\r\n\r\n", id="space-before-colon"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n", id="empty-name"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nX-Foo: b\x00c\r\n\r\n", id="nul-in-value"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nX-Foo: b\x7fc\r\n\r\n", id="del-in-value"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nX-Foo: b\rc\r\n\r\n", id="bare-cr-in-value"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nX-Foo: b\r\n c\r\n\r\n", id="obs-fold"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nX-Foo: b\r\n\tc\r\n\r\n", id="obs-fold-tab"),
        pytest.param(b"GET / HTTP/1.1\nHost: a\n\n", id="bare-lf"),
        pytest.param(b"GET / HTTP/1.1\r\n\r\n", id="no-host"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", id="two-hosts"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", id="same-host-twice"),
        pytest.param(b"GET example.com HTTP/1.1\r\nHost: a\r\n\r\n", id="bad-target"),
        pytest.param(b"GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", id="raw-utf8-in-target"),
    ],
)
def test_bad_request(mode: Mode, data: bytes) -> None:
    assert read_error(data, mode).status == 400


@pytest.mark.parametrize("version", [b"HTTP/2.0"])
def test_unsupported_version(mode: Mode, version: bytes) -> None:
    assert read_error(b"GET / " + version + b"\r\nHost: a\r\n\r\n", mode).status == 505


@pytest.mark.parametrize("line", [b"GET /", b"GET / HTTP/0.9"], ids=["no-version", "0.9"])
def test_http_0_9_request_line_is_malformed(mode: Mode, line: bytes) -> None:
    """No version (or 0.9) is not an HTTP/1.x request line: 400, not 505."""
    assert read_error(line + b"\r\nHost: a\r\n\r\n", mode).status == 400


def test_http_1_0_with_transfer_encoding_is_read_then_ends_the_connection(mode: Mode) -> None:
    """RFC 9112 6.1: faulty framing, so no keep-alive and nothing read after it."""
    data = (
        b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n"
        b"2\r\nhi\r\n0\r\n\r\n"
    )
    events, reader = feed(data + b"GET /smuggled HTTP/1.0\r\n\r\n", mode)
    assert events == [
        request(
            "POST",
            headers=[(b"transfer-encoding", b"chunked"), (b"connection", b"keep-alive")],
            http_version="1.0",
            keep_alive=False,
            has_body=True,
        ),
        Data(b"hi"),
        END_OF_MESSAGE,
    ]
    assert reader.finished
    assert reader.feed(GET) == []


# Methods: any RFC 9110 token

EDGE_TOKEN = "!#$%&'*+-.^_`|~09AZaz"


@pytest.mark.parametrize(
    "method", ["OTHER", "FOO", "PROPFIND", "MKCOL", "M-SEARCH", "get", "X", EDGE_TOKEN]
)
def test_extension_methods_are_read(mode: Mode, method: str) -> None:
    data = method.encode() + b" /x HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi"
    assert read(data, mode) == [
        request(
            method,
            b"/x",
            headers=[(b"host", b"a"), (b"content-length", b"2")],
            has_body=True,
        ),
        Data(b"hi"),
        END_OF_MESSAGE,
    ]


def test_extension_methods_pipelined_behind_other_messages(mode: Mode) -> None:
    """A message with an uncommon method that begins inside a feed, after others."""
    data = (
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
        b"OTHER / HTTP/1.1\r\nHost: a\r\n\r\n"
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
        + EDGE_TOKEN.encode()
        + b" / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n"
        b"\r\nMKCOL / HTTP/1.1\r\nHost: a\r\n\r\n"
    )
    events = read(data, mode)
    assert [e.method for e in events if type(e) is Request] == [
        "POST",
        "OTHER",
        "GET",
        EDGE_TOKEN,
        "MKCOL",
    ]
    assert [e for e in events if type(e) is Data] == [Data(b"abc"), Data(b"x")]


def test_extension_method_after_a_body_split_across_feeds() -> None:
    reader = RequestReader()
    reader.feed(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\na")
    events = reader.feed(b"bcOTHER / HTTP/1.1\r\nHost: a\r\n\r\n")
    assert events == [Data(b"bc"), END_OF_MESSAGE, request("OTHER"), END_OF_MESSAGE]


@pytest.mark.parametrize(
    "line",
    [b"F(O / HTTP/1.1", b"F\x00O / HTTP/1.1", b"G@T / HTTP/1.1", b"\xc3\xa9 / HTTP/1.1"],
)
def test_a_method_that_is_no_token_is_400(mode: Mode, line: bytes) -> None:
    assert read_error(line + b"\r\nHost: a\r\n\r\n", mode).status == 400
    assert read_error(GET + line + b"\r\nHost: a\r\n\r\n", mode).status == 400


def test_an_extension_method_keeps_the_request_line_limit(mode: Mode) -> None:
    limits = Limits(max_request_line=32)
    assert read_error(b"A" * 40 + b" / HTTP/1.1\r\nHost: a\r\n\r\n", mode, limits).status == 414
    data = b"A" * 12 + b" /" + b"a" * 12 + b" HTTP/1.1\r\nHost: a\r\n\r\n"  # 38 bytes
    assert read_error(data, mode, limits).status == 414


# Limits


def test_request_target_over_limit_is_414(mode: Mode) -> None:
    limits = Limits(max_request_line=32)
    data = b"GET /" + b"a" * 32 + b" HTTP/1.1\r\nHost: a\r\n\r\n"
    assert read_error(data, mode, limits).status == 414


def test_request_line_over_limit_is_414(mode: Mode) -> None:
    limits = Limits(max_request_line=32)
    data = b"GET /" + b"a" * 19 + b" HTTP/1.1\r\nHost: a\r\n\r\n"  # a 33-byte line
    assert read_error(data, mode, limits).status == 414


def test_request_line_at_limit_is_accepted(mode: Mode) -> None:
    limits = Limits(max_request_line=32)
    data = b"GET /" + b"a" * 18 + b" HTTP/1.1\r\nHost: a\r\n\r\n"  # a 32-byte line
    [head, _] = read(data, mode, limits)
    assert type(head) is Request and head.raw_path == b"/" + b"a" * 18


def padded_head(field_bytes: int) -> bytes:
    """A GET whose header names and values add up to ``field_bytes`` (at least 10)."""
    return b"GET / HTTP/1.1\r\nHost: a\r\nX-Pad: " + b"p" * (field_bytes - 10) + b"\r\n\r\n"


def test_header_fields_at_size_limit_are_accepted(mode: Mode) -> None:
    events = read(padded_head(64), mode, Limits(max_header_size=64))
    assert len(events) == 2


def test_header_fields_over_size_limit_are_431(mode: Mode) -> None:
    assert read_error(padded_head(65), mode, Limits(max_header_size=64)).status == 431


def test_endless_header_value_is_431(mode: Mode) -> None:
    data = b"GET / HTTP/1.1\r\nHost: a\r\nX-Endless: " + b"x" * 400
    assert read_error(data, mode, Limits(max_header_size=64, max_request_line=64)).status == 431


def test_large_chunk_ending_in_a_new_head_is_not_431() -> None:
    body = b"x" * 80_000  # more than max_header_size + max_request_line, the defaults
    data = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 80000\r\n\r\n" + body
    reader = RequestReader()
    events = reader.feed(data + b"GET /next HTTP/1.1\r\n")
    assert merge_data(events)[1:] == [Data(body), END_OF_MESSAGE]
    assert reader.reading_head


def test_header_count_at_limit_is_accepted(mode: Mode) -> None:
    data = b"GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"
    [head, _] = read(data, mode, Limits(max_header_count=4))
    assert type(head) is Request and len(head.headers) == 4


def test_header_count_over_limit_is_431(mode: Mode) -> None:
    data = b"GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n"
    assert read_error(data, mode, Limits(max_header_count=4)).status == 431


def test_body_at_limit_is_accepted(mode: Mode) -> None:
    limits = Limits(max_body_size=8)
    by_length = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 8\r\n\r\n12345678"
    chunked = (
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\n12345\r\n3\r\n678\r\n0\r\n\r\n"
    )
    for data in (by_length, chunked):
        assert read(data, mode, limits)[1:] == [Data(b"12345678"), END_OF_MESSAGE]


def test_body_over_limit_by_content_length_is_413_at_the_head(mode: Mode) -> None:
    limits = Limits(max_body_size=8)
    data = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\n"  # no body sent yet
    assert read_error(data, mode, limits).status == 413


def test_body_over_limit_while_chunked_streaming_is_413(mode: Mode) -> None:
    limits = Limits(max_body_size=8)
    data = (
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\n12345\r\n4\r\n6789\r\n0\r\n\r\n"
    )
    assert read_error(data, mode, limits).status == 413


def test_body_is_unlimited_by_default() -> None:
    body = b"x" * 1_000_000
    data = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n\r\n" + body
    assert read(data, "whole")[1:] == [Data(body), END_OF_MESSAGE]

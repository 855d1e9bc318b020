"""RequestReader against the RFC 9112 grammar where llhttp alone is lenient.

Each case was found by the fuzzer (tests/fuzz) and is fed whole, byte by byte and followed
by the next request's start, as in test_reader.py.
"""

from __future__ import annotations

import pytest

from albany.http1 import END_OF_MESSAGE, Data, Limits, Request
from tests.http1.test_reader import GET, Mode, feed, mode, read, read_error, request

__all__ = ["mode"]

CHUNKED_HEAD = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
CHUNKED_FIELDS = [(b"host", b"a"), (b"transfer-encoding", b"chunked")]


@pytest.mark.parametrize("method", [b"GET", b"HEAD", b"POST", b"DELETE", b"OTHER"])
def test_asterisk_form_is_for_options_only(mode: Mode, method: bytes) -> None:
    """RFC 9112 3.2.4: ``*`` is the target of a server-wide OPTIONS and nothing else."""
    assert read_error(method + b" * HTTP/1.1\r\nHost: a\r\n\r\n", mode).status == 400


@pytest.mark.parametrize(
    "line",
    [
        b"GET  / HTTP/1.1",
        b"GET /  HTTP/1.1",
        b"GET\t/ HTTP/1.1",
        b"GET /\tHTTP/1.1",
        b"GET / HTTP/1.1 ",
        b" GET / HTTP/1.1",
        b"OTHER  / HTTP/1.1",
        b"GET / http/1.1",
        b"GET / HTTP/1.1\r",
    ],
    ids=[
        "two-sp-before-target",
        "two-sp-after-target",
        "tab-before-target",
        "tab-after-target",
        "sp-at-end",
        "sp-at-start",
        "two-sp-extension-method",
        "lower-case-version",
        "bare-cr",
    ],
)
def test_request_line_has_one_sp_between_its_parts(mode: Mode, line: bytes) -> None:
    """RFC 9112 3: ``method SP request-target SP HTTP-version``, nothing else."""
    data = line + b"\r\nHost: a\r\n\r\n"
    assert read_error(data, mode).status == 400
    assert read_error(GET + data, mode).status == 400


@pytest.mark.parametrize(
    "value",
    [b"a b", b"a@b", b"a:8x", b"a:80:80", b"[::g]", b"[::1", b"a/b", b"a\tb", b"%zz", b'a"b'],
)
def test_an_invalid_host_value_is_400(mode: Mode, value: bytes) -> None:
    """RFC 9112 3.2: a Host field with an invalid value is a 400."""
    for version in (b"1.1", b"1.0"):
        data = b"GET / HTTP/" + version + b"\r\nHost: " + value + b"\r\n\r\n"
        assert read_error(data, mode).status == 400


@pytest.mark.parametrize(
    "value", [b"", b"a", b"a:80", b"a:", b"127.0.0.1:8000", b"[::1]:443", b"[v1.x]", b"%41.b"]
)
def test_valid_host_values_are_accepted(mode: Mode, value: bytes) -> None:
    """``uri-host [ ":" port ]``: reg-name (empty included), IPv4, IP-literal, any port."""
    [head, end] = read(b"GET / HTTP/1.1\r\nHost: " + value + b"\r\n\r\n", mode)
    assert head == request(headers=[(b"host", value)])
    assert end == END_OF_MESSAGE


def test_two_host_fields_are_400_in_http_1_0_too(mode: Mode) -> None:
    """RFC 9112 3.2: *any* request with more than one Host field line."""
    assert read_error(b"GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", mode).status == 400


@pytest.mark.parametrize(
    "prefix",
    [b"\r", b"\n", b"\r\r\n", b"\r\n\n", b" \r\n"],
    ids=["cr", "lf", "cr-crlf", "crlf-lf", "sp"],
)
def test_only_crlf_empty_lines_may_come_before_a_request_line(mode: Mode, prefix: bytes) -> None:
    """RFC 9112 2.2: a bare CR is invalid; empty lines before the request are CRLF."""
    assert read_error(prefix + GET, mode).status == 400
    assert read_error(GET + prefix + GET, mode).status == 400


def test_crlf_empty_lines_before_a_request_line_are_skipped(mode: Mode) -> None:
    events = read(b"\r\n\r\n" + GET + b"\r\n" + GET, mode)
    assert events == [request(), END_OF_MESSAGE, request(), END_OF_MESSAGE]


@pytest.mark.parametrize(
    "line",
    [b"1;=b", b"1;a=", b"1;", b"1;a=b c", b'1;a="b', b"1 ", b"1\t", b" 1", b"1;a b", b"1;a=\x00"],
    ids=[
        "no-name",
        "no-value",
        "empty-ext",
        "sp-in-value",
        "open-quote",
        "trailing-sp",
        "trailing-tab",
        "leading-sp",
        "sp-in-name",
        "nul-in-value",
    ],
)
def test_an_invalid_chunk_extension_is_400(mode: Mode, line: bytes) -> None:
    """RFC 9112 7.1.1: ``chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] )``."""
    assert read_error(CHUNKED_HEAD + line + b"\r\nx\r\n0\r\n\r\n", mode).status == 400


@pytest.mark.parametrize(
    "line",
    [
        b"1 ;a=b",
        b"1\t;a",
        b"1 ; a = b",
        b"1;a;b=c",
        b'1;a="b \\" c"',
        b"01;a=b",
        b"1;" + b"!#$%&'*+-.^_`|~09AZaz",
    ],
    ids=["bws-before-semicolon", "tab", "bws-everywhere", "two", "quoted", "leading-zero", "edge"],
)
def test_valid_chunk_extensions_are_accepted(mode: Mode, line: bytes) -> None:
    """BWS before ``;`` (and around ``=``) is in the grammar: accepted, then dropped."""
    events = read(CHUNKED_HEAD + line + b"\r\nx\r\n0;z\r\n\r\n", mode)
    assert events == [
        request("POST", headers=CHUNKED_FIELDS, has_body=True),
        Data(b"x"),
        END_OF_MESSAGE,
    ]


@pytest.mark.parametrize(
    "trailer",
    [b"X\x00: a", b"X: a\x00", b" X: a", b"X : a", b"X", b": a", b"X: a\rb"],
    ids=["nul-in-name", "nul-in-value", "obs-fold", "sp-before-colon", "no-colon", "no-name", "cr"],
)
def test_an_invalid_trailer_field_is_400(mode: Mode, trailer: bytes) -> None:
    data = CHUNKED_HEAD + b"1\r\nx\r\n0\r\n" + trailer + b"\r\n\r\n"
    assert read_error(data, mode).status == 400


def test_chunk_data_must_end_in_crlf(mode: Mode) -> None:
    assert read_error(CHUNKED_HEAD + b"1\r\nxy\r\n0\r\n\r\n", mode).status == 400
    assert read_error(CHUNKED_HEAD + b"1\r\nx\n0\r\n\r\n", mode).status == 400


def test_a_request_after_a_chunked_body_begins_where_the_body_ends(mode: Mode) -> None:
    data = CHUNKED_HEAD + b"3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n" + GET
    events = read(data, mode)
    assert events == [
        request("POST", headers=CHUNKED_FIELDS, has_body=True),
        Data(b"abc"),
        END_OF_MESSAGE,
        request(),
        END_OF_MESSAGE,
    ]
    assert type(events[3]) is Request


@pytest.mark.parametrize(
    "head",
    [
        b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n",
        b"GET / HTTP/1.0\r\n",
        b"POST / HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: 2\r\n",
        b"POST / HTTP/1.1\r\nHost: a\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n",
    ],
    ids=["close", "http-1.0", "close-length-body", "close-chunked-body"],
)
def test_nothing_is_read_after_a_request_that_ends_the_connection(mode: Mode, head: bytes) -> None:
    """RFC 9112 9.6: the server MUST NOT process further requests on that connection."""
    body = b"hi" if b"Content-Length" in head else b""
    body = b"2\r\nhi\r\n0\r\n\r\n" if b"chunked" in head else body
    events, reader = feed(head + b"\r\n" + body + GET, mode)
    heads = [event for event in events if type(event) is Request]
    assert len(heads) == 1 and not heads[0].keep_alive
    assert events[-1] == END_OF_MESSAGE
    assert reader.finished
    assert reader.feed(GET) == []


@pytest.mark.parametrize("target", [b"/a#b", b"/#", b"/p?q#f", b"http://a/p#f"])
def test_a_fragment_in_the_target_is_400(mode: Mode, target: bytes) -> None:
    """RFC 9112 3.2: a request-target has no fragment (llhttp would parse one)."""
    assert read_error(b"GET " + target + b" HTTP/1.1\r\nHost: a\r\n\r\n", mode).status == 400


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        (b"X: " + b"v" * 70 + b"\r\na\r\n", 431),  # over the limit before the bad line
        (b"X:" + b" " * 70 + b"v\r\n", 431),  # the line, OWS included, outgrows the limit
        (b"X: v\r\na\r\nY: " + b"v" * 70 + b"\r\n", 400),  # the bad line comes first
        (b"A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\na\r\n", 431),  # one field too many
    ],
    ids=["size-then-bad-line", "ows", "bad-line-then-size", "count-then-bad-line"],
)
def test_a_head_limit_is_crossed_at_the_same_byte_however_the_stream_is_cut(
    mode: Mode, fields: bytes, status: int
) -> None:
    """Found by the fuzzer: counted in llhttp's callbacks, a 431 became a 400 when whole."""
    limits = Limits(max_header_size=64, max_header_count=4)
    data = b"GET / HTTP/1.1\r\nHost: a\r\n" + fields + b"\r\n"
    assert read_error(data, mode, limits).status == status

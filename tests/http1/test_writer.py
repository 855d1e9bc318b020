"""ResponseWriter: framing, status lines and header checks, bytes compared exactly."""

from __future__ import annotations

import pytest

from albany.http1 import Request, ResponseWriter
from albany.http1.writer import CONTINUE, error_response, status_line

DEFAULT = b"server: test\r\n"


def make_request(
    method: str = "GET", http_version: str = "1.1", keep_alive: bool | None = None
) -> Request:
    """A parsed request as the writer sees it; HTTP/1.1 keeps alive unless told otherwise."""
    return Request(
        method=method,
        http_version=http_version,
        raw_path=b"/",
        path="/",
        query_string=b"",
        headers=[],
        keep_alive=http_version == "1.1" if keep_alive is None else keep_alive,
        expect_continue=False,
        has_body=False,
        upgrade=None,
    )


def begin(
    writer: ResponseWriter,
    request: Request | None = None,
    status: int = 200,
    headers: list[tuple[bytes, bytes]] | None = None,
    body: bytes = b"",
    more_body: bool = False,
    keep_alive: bool = True,
) -> bytes:
    """``writer.begin`` with the defaults of a plain keep-alive GET."""
    return writer.begin(
        request or make_request(),
        status,
        headers or [],
        DEFAULT,
        body,
        more_body,
        keep_alive,
    )


def split_head(data: bytes) -> tuple[bytes, list[bytes], bytes]:
    """The status line, the header lines and what follows the head."""
    head, sep, rest = data.partition(b"\r\n\r\n")
    assert sep, f"no complete head in {data!r}"
    status, *lines = head.split(b"\r\n")
    return status, lines, rest


def test_one_piece_body_gets_content_length() -> None:
    writer = ResponseWriter()
    data = begin(writer, headers=[(b"content-type", b"text/plain")], body=b"hello")
    assert data == (
        b"HTTP/1.1 200 OK\r\nserver: test\r\ncontent-type: text/plain\r\n"
        b"content-length: 5\r\n\r\nhello"
    )
    assert writer.keep_alive and writer.complete


def test_empty_one_piece_body_gets_content_length_zero() -> None:
    writer = ResponseWriter()
    _, lines, rest = split_head(begin(writer))
    assert b"content-length: 0" in lines and rest == b""


def test_streamed_body_is_chunked_for_http_1_1() -> None:
    writer = ResponseWriter()
    data = begin(writer, body=b"hello", more_body=True)
    assert data == (
        b"HTTP/1.1 200 OK\r\nserver: test\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n"
    )
    assert not writer.complete
    assert writer.write(b"", True) == b""  # an empty piece is not the last chunk
    assert writer.write(b"0123456789abcdef", True) == b"10\r\n0123456789abcdef\r\n"
    assert writer.write(b"!", False) == b"1\r\n!\r\n0\r\n\r\n"
    assert writer.complete and writer.keep_alive


def test_streamed_body_can_end_with_an_empty_piece() -> None:
    writer = ResponseWriter()
    begin(writer, body=b"", more_body=True)
    assert writer.write(b"", False) == b"0\r\n\r\n"


def test_streamed_body_to_http_1_0_is_close_delimited() -> None:
    writer = ResponseWriter()
    request = make_request(http_version="1.0", keep_alive=True)
    status, lines, rest = split_head(begin(writer, request, body=b"hel", more_body=True))
    assert status == b"HTTP/1.1 200 OK"
    assert lines == [b"server: test"]  # no framing header, and no keep-alive promised
    assert rest == b"hel"
    assert not writer.keep_alive
    assert writer.write(b"lo", False) == b"lo"


def test_one_piece_body_to_http_1_0_keeps_alive_when_asked() -> None:
    writer = ResponseWriter()
    request = make_request(http_version="1.0", keep_alive=True)
    _, lines, rest = split_head(begin(writer, request, body=b"hello"))
    assert lines == [b"server: test", b"content-length: 5", b"connection: keep-alive"]
    assert rest == b"hello" and writer.keep_alive


def test_http_1_0_without_keep_alive_closes() -> None:
    writer = ResponseWriter()
    _, lines, _ = split_head(begin(writer, make_request(http_version="1.0"), body=b"x"))
    assert b"connection: keep-alive" not in lines
    assert not writer.keep_alive


@pytest.mark.parametrize("more_body", [False, True])
def test_head_response_carries_no_body_bytes(more_body: bool) -> None:
    writer = ResponseWriter()
    data = begin(writer, make_request("HEAD"), body=b"hello", more_body=more_body)
    status, lines, rest = split_head(data)
    assert rest == b""
    assert b"transfer-encoding: chunked" not in lines
    if more_body:
        assert writer.write(b"world", False) == b""
    assert writer.complete and writer.keep_alive


def test_head_response_keeps_the_apps_content_length() -> None:
    writer = ResponseWriter()
    data = begin(writer, make_request("HEAD"), headers=[(b"content-length", b"1234")])
    assert data == b"HTTP/1.1 200 OK\r\nserver: test\r\ncontent-length: 1234\r\n\r\n"


@pytest.mark.parametrize("status", [204, 304])
def test_no_body_statuses(status: int) -> None:
    writer = ResponseWriter()
    status_, lines, rest = split_head(begin(writer, status=status))
    assert status_.startswith(b"HTTP/1.1 %d " % status)
    assert lines == [b"server: test"]
    assert rest == b""
    assert writer.keep_alive and writer.complete


def test_no_body_status_streamed_has_no_chunked_framing() -> None:
    writer = ResponseWriter()
    _, lines, rest = split_head(begin(writer, status=204, more_body=True))
    assert lines == [b"server: test"] and rest == b""
    assert writer.write(b"", False) == b""


def test_apps_content_length_frames_a_streamed_body() -> None:
    writer = ResponseWriter()
    data = begin(writer, headers=[(b"Content-Length", b"5")], body=b"he", more_body=True)
    assert data == b"HTTP/1.1 200 OK\r\nserver: test\r\nContent-Length: 5\r\n\r\nhe"
    assert writer.write(b"llo", False) == b"llo"
    assert writer.keep_alive


def test_body_longer_than_content_length_raises() -> None:
    with pytest.raises(ValueError):
        begin(ResponseWriter(), headers=[(b"content-length", b"3")], body=b"hello")
    writer = ResponseWriter()
    begin(writer, headers=[(b"content-length", b"3")], body=b"he", more_body=True)
    with pytest.raises(ValueError):
        writer.write(b"llo", True)


def test_body_shorter_than_content_length_raises() -> None:
    with pytest.raises(ValueError):
        begin(ResponseWriter(), headers=[(b"content-length", b"10")], body=b"hello")
    writer = ResponseWriter()
    begin(writer, headers=[(b"content-length", b"10")], body=b"hello", more_body=True)
    with pytest.raises(ValueError):
        writer.write(b"", False)


def test_invalid_content_length_raises() -> None:
    with pytest.raises(ValueError):
        begin(ResponseWriter(), headers=[(b"content-length", b"five")], body=b"hello")


def test_conflicting_content_lengths_raise() -> None:
    headers = [(b"content-length", b"5"), (b"content-length", b"6")]
    with pytest.raises(ValueError):
        begin(ResponseWriter(), headers=headers, body=b"hello", more_body=True)


@pytest.mark.parametrize("value", [b"close", b"Close", b"CLOSE"])
def test_connection_close_from_the_app_is_honoured(value: bytes) -> None:
    writer = ResponseWriter()
    _, lines, _ = split_head(begin(writer, headers=[(b"Connection", value)], body=b"x"))
    assert [line for line in lines if line.lower().startswith(b"connection:")] == [
        b"connection: close"
    ]
    assert not writer.keep_alive


def test_connection_and_transfer_encoding_from_the_app_are_replaced() -> None:
    writer = ResponseWriter()
    headers = [(b"connection", b"keep-alive"), (b"transfer-encoding", b"chunked")]
    _, lines, rest = split_head(begin(writer, headers=headers, body=b"hello"))
    assert lines == [b"server: test", b"content-length: 5"]
    assert rest == b"hello" and writer.keep_alive


@pytest.mark.parametrize(
    ("request_keep_alive", "server_keep_alive"), [(False, True), (True, False)]
)
def test_close_when_client_or_server_says_so(
    request_keep_alive: bool, server_keep_alive: bool
) -> None:
    writer = ResponseWriter()
    request = make_request(keep_alive=request_keep_alive)
    _, lines, _ = split_head(begin(writer, request, body=b"x", keep_alive=server_keep_alive))
    assert lines[-1] == b"connection: close"
    assert not writer.keep_alive


@pytest.mark.parametrize(
    ("name", "value"),
    [
        (b"x-bad", b"a\r\nset-cookie: injected=1"),
        (b"x-a: b\r\nx-c", b"a"),
        (b"x-bad", b"a\r\n\r\n<html>"),
        (b"x-bad", b"a\nb"),
        (b"x-bad", b"a\rb"),
        (b"x-bad", b"a\x00b"),
        (b"x bad", b"a"),
        (b"x:bad", b"a"),
        (b"x-bad\r\nset-cookie", b"a"),
        (b"", b"a"),
        (b"x-b\xc3\xa4d", b"a"),
    ],
)
def test_invalid_header_name_or_value_raises(name: bytes, value: bytes) -> None:
    with pytest.raises(ValueError):
        begin(ResponseWriter(), headers=[(name, value)], body=b"x")


@pytest.mark.parametrize(
    ("status", "line"),
    [
        (200, b"HTTP/1.1 200 OK\r\n"),
        (404, b"HTTP/1.1 404 Not Found\r\n"),
        (500, b"HTTP/1.1 500 Internal Server Error\r\n"),
        (101, b"HTTP/1.1 101 Switching Protocols\r\n"),
        (299, b"HTTP/1.1 299 \r\n"),
        (599, b"HTTP/1.1 599 \r\n"),
    ],
)
def test_status_lines(status: int, line: bytes) -> None:
    assert status_line(status) == line
    writer = ResponseWriter()
    request = make_request("HEAD")  # no body framing to think about
    assert begin(writer, request, status=status).startswith(line)


@pytest.mark.parametrize("status", [0, 99, 1000, -200])
def test_invalid_status_raises(status: int) -> None:
    with pytest.raises(ValueError):
        status_line(status)


def test_write_after_complete_raises() -> None:
    writer = ResponseWriter()
    begin(writer, body=b"x")
    with pytest.raises(ValueError):
        writer.write(b"more", False)


def test_writer_is_reset_between_responses() -> None:
    writer = ResponseWriter()
    begin(writer, body=b"a", more_body=True)
    writer.write(b"", False)
    # the next response is not chunked just because the one before was
    assert begin(writer, body=b"b") == (
        b"HTTP/1.1 200 OK\r\nserver: test\r\ncontent-length: 1\r\n\r\nb"
    )
    begin(writer, make_request("HEAD"))
    assert begin(writer, body=b"c").endswith(b"\r\n\r\nc")


def test_error_response_closes() -> None:
    assert error_response(400, "Bad things", DEFAULT) == (
        b"HTTP/1.1 400 Bad Request\r\nserver: test\r\n"
        b"content-type: text/plain; charset=utf-8\r\ncontent-length: 10\r\n"
        b"connection: close\r\n\r\nBad things"
    )


def test_continue_is_an_interim_response() -> None:
    assert CONTINUE == b"HTTP/1.1 100 Continue\r\n\r\n"


def test_an_apps_server_header_replaces_the_default() -> None:
    default = b"server: albany\r\ndate: Sat, 21 Nov 2026 10:00:00 GMT\r\n"
    head = ResponseWriter().begin(
        make_request(), 200, [(b"Server", b"mine/1.0")], default, b"x", False, True
    )
    _, lines, _ = split_head(head)
    assert [line for line in lines if line.lower().startswith(b"server:")] == [b"Server: mine/1.0"]
    assert b"date: Sat, 21 Nov 2026 10:00:00 GMT" in lines


def test_an_apps_date_header_replaces_the_default() -> None:
    default = b"server: albany\r\ndate: Sat, 21 Nov 2026 10:00:00 GMT\r\n"
    head = ResponseWriter().begin(
        make_request(),
        200,
        [(b"date", b"Thu, 01 Jan 2026 00:00:00 GMT")],
        default,
        b"x",
        False,
        True,
    )
    _, lines, _ = split_head(head)
    assert [line for line in lines if line.startswith(b"date:")] == [
        b"date: Thu, 01 Jan 2026 00:00:00 GMT"
    ]
    assert b"server: albany" in lines


@pytest.mark.parametrize(
    "value",
    [b"+10", b"1_0", b"foo", b" 10", b"10 ", b"-1", b"0x5", b"", b"1e1", b"\xd9\xa1"],
)
def test_content_length_that_is_not_digits_raises(value: bytes) -> None:
    """RFC 9110 8.6: 1*DIGIT; ``int()`` would take several of these."""
    with pytest.raises(ValueError):
        begin(ResponseWriter(), headers=[(b"content-length", value)], body=b"x" * 10)


def test_the_same_content_length_repeated_is_written_once() -> None:
    headers = [(b"Content-Length", b"5"), (b"content-length", b"5")]
    status, lines, rest = split_head(begin(ResponseWriter(), headers=headers, body=b"hello"))
    assert [line for line in lines if line.lower().startswith(b"content-length")] == [
        b"Content-Length: 5"
    ]
    assert rest == b"hello"


@pytest.mark.parametrize(
    "reason, line",
    [
        ("Fine", b"HTTP/1.1 200 Fine"),
        ("Very\tfine indeed", b"HTTP/1.1 200 Very\tfine indeed"),
        ("", b"HTTP/1.1 200 "),
        ("Caf\xe9 ~!", b"HTTP/1.1 200 Caf\xe9 ~!"),
    ],
)
def test_an_apps_reason_phrase_is_written(reason: str, line: bytes) -> None:
    data = ResponseWriter().begin(make_request(), 200, [], DEFAULT, b"", False, True, reason)
    assert split_head(data)[0] == line


@pytest.mark.parametrize(
    "reason", ["a\r\nx: y", "a\nb", "a\rb", "nul\x00", "del\x7f", "esc\x1b", "\u20ac", b"OK", 5]
)
def test_an_invalid_reason_phrase_raises(reason: object) -> None:
    with pytest.raises(ValueError):
        ResponseWriter().begin(make_request(), 200, [], DEFAULT, b"", False, True, reason)

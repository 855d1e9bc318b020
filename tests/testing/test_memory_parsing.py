"""The in-memory client's response reader, and its transport."""

from __future__ import annotations

import pytest

from albany.testing.memory import MemoryTransport, ResponseHeaders, parse_response

HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"


def test_content_length_whole_and_in_pieces() -> None:
    data = HEAD + b"content-length: 5\r\n\r\nhelloNEXT"
    for end in range(len(data) - 4):
        assert parse_response(data[:end]) is None, end
    found = parse_response(data)
    assert found is not None
    response, rest = found
    assert (response.status_code, response.content, rest) == (200, b"hello", b"NEXT")
    assert response.headers["content-type"] == "text/plain"


def test_chunked_with_extensions_and_trailers() -> None:
    data = HEAD + b"transfer-encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n"
    for end in range(len(data)):
        assert parse_response(data[:end]) is None, end
    found = parse_response(data)
    assert found is not None and found[0].content == b"abcde" and found[1] == b""


def test_no_body_for_head_204_and_304() -> None:
    found = parse_response(HEAD + b"content-length: 5\r\n\r\n", head=True)
    assert found is not None and found[0].content == b""
    for status in (b"204", b"304"):
        found = parse_response(b"HTTP/1.1 " + status + b" X\r\n\r\nrest")
        assert found is not None and found[1] == b"rest"


def test_informational_responses_are_skipped() -> None:
    found = parse_response(b"HTTP/1.1 100 Continue\r\n\r\n" + HEAD + b"content-length: 1\r\n\r\nx")
    assert found is not None and (found[0].status_code, found[0].content) == (200, b"x")


def test_close_delimited_body_ends_with_the_connection() -> None:
    data = HEAD + b"\r\nuntil the end"
    assert parse_response(data) is None
    found = parse_response(data, closed=True)
    assert found is not None and found[0].content == b"until the end"


def test_not_http_fails() -> None:
    with pytest.raises(AssertionError, match="not an HTTP"):
        parse_response(b"SSH-2.0\r\n\r\n")


def test_headers_ignore_case_and_join_repeats() -> None:
    headers = ResponseHeaders([(b"set-cookie", b"a=1"), (b"Set-Cookie", b"b=2"), (b"x", b"y")])
    assert headers["SET-COOKIE"] == "a=1, b=2"
    assert headers.get_list("set-cookie") == ["a=1", "b=2"]
    assert list(headers) == ["set-cookie", "x"] and len(headers) == 2
    assert headers.get("missing") is None


def test_transport_tells_its_listener() -> None:
    calls: list[bytes] = []
    transport = MemoryTransport()
    transport.listener = lambda: calls.append(transport.data)
    transport.write(b"ab")
    transport.write(b"c")
    transport.close()
    transport.close()
    assert calls == [b"ab", b"abc", b"abc"] and transport.closed

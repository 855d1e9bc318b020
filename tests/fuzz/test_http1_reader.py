"""The HTTP/1.1 request reader against a strict reading of RFC 9112 (tests/fuzz/strict_http.py).

For valid streams Albany must read exactly what the strict reading finds; for mutated ones
it must find no request, head or body the strict reading does not, answer only 4xx (or 505
for a well-formed version it does not speak), never raise anything but ``ProtocolError``,
and give the same result fed whole, byte by byte and cut at random.
"""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from albany.http1 import Limits
from tests.fuzz.conftest import scaled
from tests.fuzz.reading import SMALL_LIMITS, Outcome, albany_read, assert_same, assert_within
from tests.fuzz.streams import mutations, valid_streams
from tests.fuzz.strict_http import read_stream

BYTEWISE_UP_TO = 600  # longer streams are fed in 7-byte pieces instead of single bytes

cut_points = st.lists(st.integers(0, 1 << 16), max_size=12)


def pieces(data: bytes, cuts: list[int]) -> list[bytes]:
    """``data`` cut at ``cuts`` (taken modulo its length)."""
    bounds = sorted({0, len(data), *(cut % (len(data) + 1) for cut in cuts)})
    return [data[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def small_pieces(data: bytes) -> list[bytes]:
    step = 1 if len(data) <= BYTEWISE_UP_TO else 7
    return [data[i : i + step] for i in range(0, len(data), step)]


def read_every_way(data: bytes, cuts: list[int], limits: Limits) -> Outcome:
    """The reader's outcome, the same whole, byte by byte and cut at ``cuts``."""
    whole = albany_read([data], limits)
    assert albany_read(small_pieces(data), limits) == whole, "byte by byte differs"
    assert albany_read(pieces(data, cuts), limits) == whole, "cut at random differs"
    return whole


@settings(max_examples=scaled(100))
@given(valid_streams())
def test_the_reference_reads_every_generated_stream(data: bytes) -> None:
    """The generator and the reference agree: each stream is valid and whole."""
    reading = read_stream(data)
    assert reading.error is None
    assert reading.messages and all(message.complete for message in reading.messages)


@settings(max_examples=scaled(150))
@given(valid_streams(), cut_points)
@example(b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", [])
@example(
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1 ;a=b\r\nx\r\n0\r\n\r\n",
    [60],
)
@example(b"\r\nGET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", [1])
def test_valid_streams_are_read_as_the_grammar_reads_them(data: bytes, cuts: list[int]) -> None:
    assert_same(read_every_way(data, cuts, Limits()), read_stream(data))


REGRESSIONS = [
    # found by this fuzzer; each is also a plain test in tests/http1/test_reader_grammar.py
    b"GET * HTTP/1.1\r\nHost: a\r\n\r\n",  # asterisk-form outside OPTIONS
    b"GET  / HTTP/1.1\r\nHost: a\r\n\r\n",  # two SP in the request line
    b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n",  # an invalid Host value
    b"GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n",  # two Host fields, HTTP/1.0
    b"\rGET / HTTP/1.1\r\nHost: a\r\n\r\n",  # a bare CR before the request line
    b"\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",  # a bare LF before it
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;=b\r\nx\r\n0\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;a=\r\nx\r\n0\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1 \r\nx\r\n0\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n"
    b"X\x00: a\r\n\r\n",  # a NUL in a trailer name
    b"GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n",  # a fragment in the target
    # a field over the size limit, then a line with no colon: 431 or 400 by the cut
    b"GET / HTTP/1.1\r\nHost: a\r\nX: " + b"v" * 700 + b"\r\na\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a\r\nX:" + b" " * 700 + b"v\r\n\r\n",  # OWS over it
    b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nPOST / HTTP/1.1\r\nHost: a\r\n"
    b"Content-Length: 1\r\n\r\nx",  # a request after one that ends the connection
]


def _with_regressions(test):  # type: ignore[no-untyped-def]
    for data in REGRESSIONS:
        test = example(data, [], SMALL_LIMITS)(example(data, [], Limits())(test))
    return test


@settings(max_examples=scaled(250))
@given(mutations(), cut_points, st.sampled_from([Limits(), SMALL_LIMITS]))
@_with_regressions
def test_mutated_streams_never_go_beyond_the_grammar(
    data: bytes, cuts: list[int], limits: Limits
) -> None:
    assert_within(read_every_way(data, cuts, limits), read_stream(data))

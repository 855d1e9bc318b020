"""Hypothesis strategies: valid HTTP/1.1 request streams, and mutations of them.

A valid stream is one to four requests (any method, origin-, absolute- or asterisk-form,
HTTP/1.1 or keep-alive HTTP/1.0, fields in any order with any OWS, no body, a
Content-Length body or a chunked one with extensions and trailers), with empty lines
between them at times. A mutation flips, inserts, deletes or repeats bytes, with CR, LF,
NUL, SP and HTAB, framing fields and oversized fields among what it inserts.
"""

from __future__ import annotations

from hypothesis import strategies as st

CRLF = b"\r\n"
TOKEN_BYTES = b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
PCHAR_BYTES = b"abcXYZ019-._~!$&'()*+,;=:@"
VALUE_BYTES = b"abcXYZ019!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~\x80\xe9\xff"

METHODS = [b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"PATCH", b"TRACE", b"OPTIONS"]
EXTENSION_METHODS = [b"PROPFIND", b"M-SEARCH", b"X", b"get", b"!#$%&'*+-.^_`|~09AZaz"]


def _bytes_of(alphabet: bytes, min_size: int, max_size: int) -> st.SearchStrategy[bytes]:
    return st.lists(st.sampled_from(alphabet), min_size=min_size, max_size=max_size).map(bytes)


tokens = _bytes_of(TOKEN_BYTES, 1, 10)
ows = st.sampled_from([b"", b"", b" ", b"\t", b"  ", b" \t "])


@st.composite
def field_values(draw: st.DrawFn) -> bytes:
    """A field value: visible bytes (obs-text included) with SP or HTAB inside only."""
    words = draw(st.lists(_bytes_of(VALUE_BYTES, 1, 6), max_size=4))
    gaps = [draw(st.sampled_from([b" ", b"\t", b"  "])) for _ in words[1:]]
    value = words[0] if words else b""
    for gap, word in zip(gaps, words[1:], strict=True):
        value += gap + word
    return value


hosts = st.one_of(
    st.sampled_from([b"a", b"example.com", b"127.0.0.1", b"[::1]", b"[v1.x]", b"", b"%41b"]),
    _bytes_of(b"abcxyz0189-._~", 1, 12),
).flatmap(lambda host: st.sampled_from([host, host + b":", host + b":80", host + b":8000"]))

authority_hosts = st.sampled_from([b"a", b"example.com", b"127.0.0.1", b"[::1]"]).flatmap(
    lambda host: st.sampled_from([host, host + b":8080"])
)
"""Hosts of an absolute-form target: an http URI's host may not be empty (RFC 9110 4.2.1);
an empty port (``http://a:/``) is valid but refused by httptools' URL parser: not drawn."""

segments = _bytes_of(PCHAR_BYTES + b"%", 0, 8).map(lambda s: s.replace(b"%", b"%2F"))


@st.composite
def targets(draw: st.DrawFn, method: bytes) -> bytes:
    """A request-target its method allows."""
    path = b"".join(b"/" + segment for segment in draw(st.lists(segments, min_size=1, max_size=3)))
    if draw(st.booleans()):
        path += b"?" + draw(_bytes_of(PCHAR_BYTES + b"/?", 0, 10))
    form = draw(st.sampled_from(["origin"] * 6 + ["absolute", "asterisk"]))
    if form == "absolute":
        return b"http://" + draw(authority_hosts) + path
    if form == "asterisk" and method == b"OPTIONS":
        return b"*"
    return path


@st.composite
def chunked_bodies(draw: st.DrawFn) -> tuple[bytes, bytes]:
    """``(wire bytes, body)`` of a chunked body with extensions and trailers."""
    chunks = draw(st.lists(st.binary(min_size=1, max_size=20), max_size=4))
    wire = b""
    for chunk in chunks + [b""]:
        size = b"%x" % len(chunk)
        if draw(st.booleans()):
            size = size.upper() if draw(st.booleans()) else b"0" + size
        for _ in range(draw(st.integers(0, 2))):
            name = draw(tokens)
            ext = draw(ows) + b";" + draw(ows) + name
            if draw(st.booleans()):
                value = draw(st.one_of(tokens, st.just(b'"a \\" b"'), st.just(b'""')))
                ext += draw(ows) + b"=" + draw(ows) + value
            size += ext
        wire += size + CRLF + (chunk + CRLF if chunk else b"")
    for _ in range(draw(st.integers(0, 2))):
        wire += draw(tokens) + b":" + draw(ows) + draw(field_values()) + draw(ows) + CRLF
    return wire + CRLF, b"".join(chunks)


@st.composite
def requests(draw: st.DrawFn, last: bool = False) -> bytes:
    """One valid request; only the ``last`` of a stream may end the connection."""
    method = draw(st.sampled_from(METHODS + EXTENSION_METHODS))
    version = draw(st.sampled_from([b"1.1", b"1.1", b"1.1", b"1.0"]))
    fields: list[bytes] = []
    if version == b"1.1" or draw(st.booleans()):
        fields.append(b"Host:" + draw(ows) + draw(hosts) + draw(ows))
    for _ in range(draw(st.integers(0, 4))):
        name = draw(st.one_of(tokens, st.sampled_from([b"Accept", b"User-Agent", b"X-Y"])))
        if name.lower() in (
            b"host",
            b"content-length",
            b"transfer-encoding",
            b"connection",
            b"upgrade",
        ):
            continue
        fields.append(name + b":" + draw(ows) + draw(field_values()) + draw(ows))
    body = b""
    kind = draw(st.sampled_from(["none", "length", "chunked"]))
    if kind == "chunked" and version == b"1.1":
        fields.append(
            b"Transfer-Encoding:" + draw(ows) + draw(st.sampled_from([b"chunked", b"Chunked"]))
        )
        body, _ = draw(chunked_bodies())
    elif kind == "length":
        payload = draw(st.binary(max_size=40))
        fields.append(b"Content-Length: " + str(len(payload)).encode())
        body = payload
    if version == b"1.0" and not last:
        fields.append(b"Connection: keep-alive")
    elif last and draw(st.booleans()):
        fields.append(b"Connection: close")
    fields = draw(st.permutations(fields))
    line = method + b" " + draw(targets(method)) + b" HTTP/" + version
    head = line + CRLF + b"".join(f + CRLF for f in fields) + CRLF
    return draw(st.sampled_from([b"", b"", b"", CRLF, CRLF + CRLF])) + head + body


@st.composite
def valid_streams(draw: st.DrawFn) -> bytes:
    """One to four pipelined requests."""
    count = draw(st.integers(1, 4))
    return b"".join(draw(requests(last=index == count - 1)) for index in range(count))


INTERESTING_BYTES = b'\r\n\x00 \t:;="\\0fF\x7f\x80\xff*/?#%@[],'
INSERTS = [
    b"\r",
    b"\n",
    b"\r\n",
    b"\r\n\r\n",
    b"\x00",
    b" ",
    b"  ",
    b"\t",
    b"0\r\n\r\n",
    b"1;=b",
    b";a=",
    b" ;a=b",
    b"Host: b\r\n",
    b"Host: a b\r\n",
    b"Content-Length: 3\r\n",
    b"Content-Length: 99\r\n",
    b"Transfer-Encoding: chunked\r\n",
    b"Transfer-Encoding: gzip\r\n",
    b"Connection: close\r\n",
    b"Connection: upgrade\r\nUpgrade: websocket\r\n",
    b"HTTP/1.1",
    b"HTTP/2.0",
    b" HTTP/1.0",
    b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
    b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET * HTTP/1.1\r\n",
    b"X: \x80\r\n",
    b" obs-fold\r\n",
]


def _oversized(kind: int, size: int) -> bytes:
    """A field line, request-target or chunk extension far over the fuzzed limits."""
    if kind == 0:
        return b"X-Big: " + b"v" * size + CRLF
    if kind == 1:
        return b"/" + b"p" * size
    if kind == 2:
        return b"".join(b"F%d: x\r\n" % i for i in range(size // 16))
    return b";" + b"e" * size


@st.composite
def mutations(draw: st.DrawFn, source: st.SearchStrategy[bytes] = valid_streams()) -> bytes:
    """A valid stream changed in one to four places."""
    data = bytearray(draw(source))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "flip", "insert", "insert", "delete", "repeat", "big"]))
        at = draw(st.integers(0, len(data)))
        if op == "flip" and at < len(data):
            data[at] = draw(st.one_of(st.sampled_from(INTERESTING_BYTES), st.integers(0, 255)))
        elif op == "insert":
            data[at:at] = draw(
                st.one_of(st.sampled_from(INSERTS), st.binary(min_size=1, max_size=4))
            )
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 8))]
        elif op == "repeat":
            size = draw(st.integers(1, 40))
            data[at:at] = data[at : at + size]
        elif op == "big":
            data[at:at] = _oversized(draw(st.integers(0, 3)), draw(st.integers(200, 1200)))
    return bytes(data)

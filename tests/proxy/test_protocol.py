"""The PROXY protocol reader, sans-IO: v1 and v2 fed whole, byte by byte, with trailing data;
LOCAL; TLS TLVs; malformed and oversize headers rejected as soon as they are known to be."""

from __future__ import annotations

import struct

import pytest

from albany.proxy.protocol import (
    MAX_V2_LENGTH,
    ProxyHeader,
    ProxyHeaderReader,
    ProxyProtocolError,
)
from tests.proxy.v2 import SIGNATURE, ssl_tlv, tlv, v2

REQUEST = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
V1 = b"PROXY TCP4 203.0.113.7 192.0.2.1 4711 443\r\n"


def feed_whole(data: bytes) -> tuple[ProxyHeader, bytes]:
    reader = ProxyHeaderReader()
    header = reader.feed(data)
    assert header is not None
    return header, reader.trailing


def feed_bytewise(data: bytes) -> tuple[ProxyHeader, bytes]:
    reader = ProxyHeaderReader()
    for index in range(len(data)):
        header = reader.feed(data[index : index + 1])
        if header is not None:
            return header, reader.trailing + data[index + 1 :]
    raise AssertionError("header never completed")


FEEDS = [feed_whole, feed_bytewise]


@pytest.mark.parametrize("feed", FEEDS)
def test_v1_tcp4(feed) -> None:  # type: ignore[no-untyped-def]
    header, rest = feed(V1 + REQUEST)
    assert header.version == 1 and not header.local and not header.unix
    assert header.client == ("203.0.113.7", 4711)
    assert header.server == ("192.0.2.1", 443)
    assert rest == REQUEST


@pytest.mark.parametrize("feed", FEEDS)
def test_v1_tcp6_and_unknown(feed) -> None:  # type: ignore[no-untyped-def]
    header, rest = feed(b"PROXY TCP6 2001:db8::1 2001:db8::2 1 65535\r\n")
    assert header.client == ("2001:db8::1", 1) and header.server == ("2001:db8::2", 65535)
    assert rest == b""
    header, rest = feed(b"PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n" + REQUEST)
    assert header.local and header.client is None and rest == REQUEST


@pytest.mark.parametrize("feed", FEEDS)
def test_v2_ipv4_ipv6(feed) -> None:  # type: ignore[no-untyped-def]
    header, rest = feed(v2() + REQUEST)
    assert header.version == 2 and not header.local
    assert header.client == ("203.0.113.7", 4711) and header.server == ("192.0.2.1", 443)
    assert header.tls is None and rest == REQUEST
    header, rest = feed(v2(("2001:db8::7", 5), ("2001:db8::1", 80)))
    assert header.client == ("2001:db8::7", 5) and rest == b""


@pytest.mark.parametrize("feed", FEEDS)
def test_v2_local_keeps_the_connection(feed) -> None:  # type: ignore[no-untyped-def]
    header, rest = feed(v2(None, command=0x20) + REQUEST)
    assert header.local and header.client is None and rest == REQUEST
    # LOCAL with addresses (HAProxy's health checks): the addresses are not the client's
    header, _ = feed(v2(command=0x20))
    assert header.local and header.client is None


@pytest.mark.parametrize("feed", FEEDS)
def test_v2_unix_family(feed) -> None:  # type: ignore[no-untyped-def]
    block = b"/run/client".ljust(108, b"\0") + b"/run/albany.sock".ljust(108, b"\0")
    data = SIGNATURE + bytes([0x21, 0x31]) + struct.pack("!H", len(block)) + block
    header, rest = feed(data + REQUEST)
    assert header.unix and header.client is None and header.server == ("/run/albany.sock", None)
    assert rest == REQUEST


@pytest.mark.parametrize("feed", FEEDS)
def test_v2_tls_tlvs(feed) -> None:  # type: ignore[no-untyped-def]
    tlvs = tlv(0x01, b"h2") + tlv(0x04, b"\0\0") + ssl_tlv(cn="client.example")
    header, rest = feed(v2(tlvs=tlvs) + REQUEST)
    assert header.tlvs[0x01] == b"h2" and 0x04 not in header.tlvs  # NOOP dropped
    assert header.tls == {
        "client_cert": True,
        "client_cert_verified": True,
        "version": "TLSv1.3",
        "cipher": "TLS_AES_128_GCM_SHA256",
        "client_cn": "client.example",
    }
    assert rest == REQUEST
    header, _ = feed(v2(tlvs=ssl_tlv(verified=False)))
    assert header.tls is not None and not header.tls["client_cert"]
    # the SSL TLV with the client flag clear: the client did not use TLS
    header, _ = feed(v2(tlvs=tlv(0x20, b"\0" + bytes(4))))
    assert header.tls is None


MALFORMED = [
    b"GET / HTTP/1.1\r\n",  # no header at all
    b"PROXY TCP4 203.0.113.7 192.0.2.1 4711\r\n",  # a field missing
    b"PROXY TCP4 2001:db8::1 192.0.2.1 1 2\r\n",  # family mismatch
    b"PROXY TCP4 203.0.113.7 192.0.2.1 4711 99999\r\n",  # port out of range
    b"PROXY TCP4 203.0.113.7 192.0.2.1 04711 443\r\n",  # leading zero
    b"PROXY TCP4 203.0.113.7 192.0.2.1 4711 443\n",  # LF without CR
    b"PROXY UDP4 203.0.113.7 192.0.2.1 4711 443\r\n",
    b"PROXY " + b"x" * 120,  # no CRLF within 107 bytes
    SIGNATURE + bytes([0x11, 0x11]) + struct.pack("!H", 12) + bytes(12),  # version 1 in v2
    SIGNATURE + bytes([0x22, 0x11]) + struct.pack("!H", 12) + bytes(12),  # unknown command
    SIGNATURE + bytes([0x21, 0x41]) + struct.pack("!H", 12) + bytes(12),  # unknown family
    SIGNATURE + bytes([0x21, 0x11]) + struct.pack("!H", 4) + bytes(4),  # short addresses
    v2(tlvs=b"\x01\x00\x05ab"),  # a TLV longer than the header
    v2(tlvs=tlv(0x20, b"\x01")),  # SSL TLV too short
    SIGNATURE[:5] + b"X",  # a broken signature: known after 6 bytes
]


@pytest.mark.parametrize("data", MALFORMED)
def test_malformed_rejected_whole_and_bytewise(data: bytes) -> None:
    with pytest.raises(ProxyProtocolError):
        ProxyHeaderReader().feed(data + REQUEST)
    reader = ProxyHeaderReader()
    with pytest.raises(ProxyProtocolError):
        for index in range(len(data)):
            assert reader.feed(data[index : index + 1]) is None
        reader.feed(REQUEST)


def test_oversize_v2_rejected_from_its_length_alone() -> None:
    head = SIGNATURE + bytes([0x21, 0x11]) + struct.pack("!H", MAX_V2_LENGTH + 1)
    with pytest.raises(ProxyProtocolError, match="over the limit"):
        ProxyHeaderReader().feed(head)  # not one byte of the block needed
    assert ProxyHeaderReader().feed(v2(tlvs=tlv(0x05, bytes(MAX_V2_LENGTH - 15)))) is not None


def test_partial_header_waits() -> None:
    reader = ProxyHeaderReader()
    assert reader.feed(V1[:10]) is None
    assert reader.feed(V1[10:]) is not None
    assert reader.trailing == b""

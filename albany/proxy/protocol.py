"""The PROXY protocol header (HAProxy's, versions 1 and 2), parsed sans-IO.

``ProxyHeaderReader.feed(bytes)`` returns None until the header is complete, then a
``ProxyHeader``; the bytes after it are in ``trailing`` (the HTTP request). Every
malformed or oversize header raises ``ProxyProtocolError`` as soon as it is known to be
one, without waiting for more bytes.

Rules:

1. The first bytes decide the version: ``PROXY `` is version 1, the 12-byte signature
   ``\\r\\n\\r\\n\\0\\r\\nQUIT\\n`` version 2; anything else is rejected.
2. Version 1 is one line of at most 107 bytes ending in CRLF: ``PROXY TCP4|TCP6 source
   destination source-port destination-port``, or ``PROXY UNKNOWN`` and anything.
3. Version 2: a version/command byte (0x21 PROXY, 0x20 LOCAL), a family byte, a 16-bit
   length, then the addresses and TLVs. Headers longer than ``MAX_V2_LENGTH`` are rejected.
4. ``LOCAL``, ``UNKNOWN`` and the unspecified or datagram families carry no client: the
   connection's own addresses stand (``ProxyHeader.local``).
5. TLVs are kept by type; ``PP2_TYPE_SSL`` and its subtypes are decoded into ``tls``.
"""

from __future__ import annotations

import ipaddress
import struct
from typing import NamedTuple

V1_PREFIX = b"PROXY "
V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"
V1_MAX_LENGTH = 107
MAX_V2_LENGTH = 4096
"""Longest version 2 address-and-TLV block accepted (the format allows 65535)."""

PP2_TYPE_ALPN = 0x01
PP2_TYPE_AUTHORITY = 0x02
PP2_TYPE_CRC32C = 0x03
PP2_TYPE_NOOP = 0x04
PP2_TYPE_UNIQUE_ID = 0x05
PP2_TYPE_SSL = 0x20
PP2_SUBTYPE_SSL_VERSION = 0x21
PP2_SUBTYPE_SSL_CN = 0x22
PP2_SUBTYPE_SSL_CIPHER = 0x23
PP2_SUBTYPE_SSL_SIG_ALG = 0x24
PP2_SUBTYPE_SSL_KEY_ALG = 0x25
PP2_CLIENT_SSL = 0x01
PP2_CLIENT_CERT_CONN = 0x02
PP2_CLIENT_CERT_SESS = 0x04

_SSL_SUBTYPES = {
    PP2_SUBTYPE_SSL_VERSION: "version",
    PP2_SUBTYPE_SSL_CN: "client_cn",
    PP2_SUBTYPE_SSL_CIPHER: "cipher",
    PP2_SUBTYPE_SSL_SIG_ALG: "sig_alg",
    PP2_SUBTYPE_SSL_KEY_ALG: "key_alg",
}
_ADDRESS_LENGTHS = {0x1: 12, 0x2: 36, 0x3: 216}  # INET, INET6, UNIX: both addresses


class ProxyProtocolError(Exception):
    """A header that is not a valid PROXY protocol header; the connection is closed."""


class ProxyHeader(NamedTuple):
    """A parsed header. ``client``/``server`` are (host, port) for TCP, None for Unix."""

    version: int
    local: bool  # LOCAL, UNKNOWN or an unsupported family: keep the connection's addresses
    unix: bool  # the client came over a Unix socket
    client: tuple[str, int] | None
    server: tuple[str, int | None] | None
    tlvs: dict[int, bytes]
    tls: dict[str, object] | None  # from PP2_TYPE_SSL, when the client used TLS


class ProxyHeaderReader:
    """Buffers the first bytes of a connection until its PROXY header is complete."""

    __slots__ = ("_buffer", "trailing")

    def __init__(self) -> None:
        self._buffer = b""
        self.trailing = b""

    def feed(self, data: bytes) -> ProxyHeader | None:
        """The header once complete (then ``trailing`` holds what followed), else None."""
        buffer = self._buffer = self._buffer + data
        if buffer[:1] == b"P":
            if not V1_PREFIX.startswith(buffer[:6]):
                raise ProxyProtocolError("not a PROXY protocol header")
            return self._v1(buffer)
        if not V2_SIGNATURE.startswith(buffer[:12]):
            raise ProxyProtocolError("not a PROXY protocol header")
        return self._v2(buffer)

    def _v1(self, buffer: bytes) -> ProxyHeader | None:
        end = buffer.find(b"\r\n", 0, V1_MAX_LENGTH)
        if end < 0:
            if len(buffer) >= V1_MAX_LENGTH or b"\n" in buffer:
                raise ProxyProtocolError("version 1 header too long or not ended by CRLF")
            return None
        self.trailing = buffer[end + 2 :]
        self._buffer = b""
        return parse_v1(buffer[:end])

    def _v2(self, buffer: bytes) -> ProxyHeader | None:
        if len(buffer) < 16:
            if len(buffer) >= 13:
                _check_v2_command(buffer[12])
            return None
        _check_v2_command(buffer[12])
        (length,) = struct.unpack_from("!H", buffer, 14)
        if length > MAX_V2_LENGTH:
            raise ProxyProtocolError(f"version 2 header of {length} bytes is over the limit")
        if len(buffer) < 16 + length:
            return None
        self.trailing = buffer[16 + length :]
        self._buffer = b""
        return parse_v2(buffer[12], buffer[13], buffer[16 : 16 + length])


def parse_v1(line: bytes) -> ProxyHeader:
    """A version 1 line without its CRLF."""
    parts = line.split(b" ")
    if len(parts) >= 2 and parts[1] == b"UNKNOWN":
        return ProxyHeader(1, True, False, None, None, {}, None)
    if len(parts) != 6 or parts[1] not in (b"TCP4", b"TCP6"):
        raise ProxyProtocolError("malformed version 1 header")
    version = 4 if parts[1] == b"TCP4" else 6
    source = _v1_address(parts[2], version)
    destination = _v1_address(parts[3], version)
    return ProxyHeader(
        1,
        False,
        False,
        (source, _v1_port(parts[4])),
        (destination, _v1_port(parts[5])),
        {},
        None,
    )


def _v1_address(raw: bytes, version: int) -> str:
    try:
        address = ipaddress.ip_address(raw.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        raise ProxyProtocolError("malformed address in version 1 header") from None
    if address.version != version:
        raise ProxyProtocolError("address family does not match the version 1 protocol")
    return str(address)


def _v1_port(raw: bytes) -> int:
    if not raw.isdigit() or len(raw) > 5 or (raw[:1] == b"0" and raw != b"0"):
        raise ProxyProtocolError("malformed port in version 1 header")
    port = int(raw)
    if port > 65535:
        raise ProxyProtocolError("malformed port in version 1 header")
    return port


def _check_v2_command(byte: int) -> None:
    if byte >> 4 != 2:
        raise ProxyProtocolError("unsupported PROXY protocol version")
    if byte & 0x0F not in (0, 1):
        raise ProxyProtocolError("unknown version 2 command")


def parse_v2(command: int, family: int, block: bytes) -> ProxyHeader:
    """A version 2 header from its command and family bytes and its address-and-TLV block."""
    local = command & 0x0F == 0
    address_family, transport = family >> 4, family & 0x0F
    if address_family > 3 or transport > 2:
        raise ProxyProtocolError("unknown version 2 address family")
    size = _ADDRESS_LENGTHS.get(address_family, 0)
    if len(block) < size:
        raise ProxyProtocolError("version 2 header shorter than its addresses")
    tlvs = parse_tlvs(block[size:])
    tls = _tls(tlvs.get(PP2_TYPE_SSL))
    if local or size == 0 or transport != 1:  # LOCAL, UNSPEC or not a stream
        return ProxyHeader(2, True, False, None, None, tlvs, tls)
    if address_family == 0x1:
        source, destination, sport, dport = struct.unpack_from("!4s4sHH", block)
        client = (str(ipaddress.IPv4Address(source)), sport)
        server: tuple[str, int | None] = (str(ipaddress.IPv4Address(destination)), dport)
        return ProxyHeader(2, False, False, client, server, tlvs, tls)
    if address_family == 0x2:
        source, destination, sport, dport = struct.unpack_from("!16s16sHH", block)
        client = (str(ipaddress.IPv6Address(source)), sport)
        server = (str(ipaddress.IPv6Address(destination)), dport)
        return ProxyHeader(2, False, False, client, server, tlvs, tls)
    path = block[108:216].split(b"\x00", 1)[0].decode("utf-8", "surrogateescape")
    return ProxyHeader(2, False, True, None, (path, None) if path else None, tlvs, tls)


def parse_tlvs(data: bytes) -> dict[int, bytes]:
    """Type-length-value entries; a truncated one is a malformed header."""
    tlvs: dict[int, bytes] = {}
    position = 0
    while position < len(data):
        if len(data) - position < 3:
            raise ProxyProtocolError("truncated TLV in version 2 header")
        kind = data[position]
        (length,) = struct.unpack_from("!H", data, position + 1)
        start = position + 3
        if start + length > len(data):
            raise ProxyProtocolError("truncated TLV in version 2 header")
        if kind != PP2_TYPE_NOOP:
            tlvs[kind] = data[start : start + length]
        position = start + length
    return tlvs


def _tls(value: bytes | None) -> dict[str, object] | None:
    """``PP2_TYPE_SSL``: the client flags, the verify result and the subtypes."""
    if value is None:
        return None
    if len(value) < 5:
        raise ProxyProtocolError("truncated PP2_TYPE_SSL in version 2 header")
    client, verify = value[0], struct.unpack_from("!I", value, 1)[0]
    if not client & PP2_CLIENT_SSL:
        return None  # the client did not use TLS
    has_cert = bool(client & (PP2_CLIENT_CERT_CONN | PP2_CLIENT_CERT_SESS))
    info: dict[str, object] = {
        "client_cert": has_cert,
        "client_cert_verified": has_cert and verify == 0,
    }
    for kind, raw in parse_tlvs(value[5:]).items():
        name = _SSL_SUBTYPES.get(kind)
        if name is not None:
            info[name] = raw.decode("utf-8", "replace")
    return info

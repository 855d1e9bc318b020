"""PROXY protocol version 2 headers built independently of the parser, for the tests."""

from __future__ import annotations

import ipaddress
import struct

SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"


def tlv(kind: int, value: bytes) -> bytes:
    return struct.pack("!BH", kind, len(value)) + value


def v2(
    client: tuple[str, int] | None = ("203.0.113.7", 4711),
    server: tuple[str, int] = ("192.0.2.1", 443),
    tlvs: bytes = b"",
    command: int = 0x21,
) -> bytes:
    """A version 2 header: TCP over IPv4 or IPv6 from ``client``, or LOCAL/UNSPEC without."""
    if client is None:
        return SIGNATURE + bytes([command, 0x00]) + struct.pack("!H", len(tlvs)) + tlvs
    source, destination = ipaddress.ip_address(client[0]), ipaddress.ip_address(server[0])
    family = 0x11 if source.version == 4 else 0x21
    block = source.packed + destination.packed + struct.pack("!HH", client[1], server[1])
    block += tlvs
    return SIGNATURE + bytes([command, family]) + struct.pack("!H", len(block)) + block


def ssl_tlv(version: str = "TLSv1.3", cn: str | None = None, verified: bool = True) -> bytes:
    """PP2_TYPE_SSL: the client used TLS (and sent a certificate when ``cn``)."""
    flags = 0x01 | (0x02 if cn else 0)
    subtypes = tlv(0x21, version.encode()) + tlv(0x23, b"TLS_AES_128_GCM_SHA256")
    if cn:
        subtypes += tlv(0x22, cn.encode())
    return tlv(0x20, bytes([flags]) + struct.pack("!I", 0 if verified else 1) + subtypes)

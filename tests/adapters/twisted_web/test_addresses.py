"""Scope ``client``/``server`` pairs as the Twisted addresses a ``Request`` reports."""

from __future__ import annotations

from twisted.internet.address import IPv4Address, IPv6Address, UNIXAddress

from albany_twisted_web.channel import address


def test_tcp_and_unix_pairs() -> None:
    assert address(("127.0.0.1", 8000)) == IPv4Address("TCP", "127.0.0.1", 8000)
    assert address(("::1", 8000)) == IPv6Address("TCP", "::1", 8000)
    assert address(("/run/app.sock", None)) == UNIXAddress("/run/app.sock")  # a Unix server
    assert address(None) == UNIXAddress(None)  # a Unix client

"""``--forwarded-allow-ips``: addresses, networks, Unix-socket peers, everyone."""

from __future__ import annotations

import pytest

from albany.proxy.trust import TrustedPeers


def test_default_like_uvicorn_trusts_only_loopback_v4() -> None:
    trusted = TrustedPeers("127.0.0.1")
    assert trusted.peer(("127.0.0.1", 5000))
    assert not trusted.peer(("127.0.0.2", 5000))
    assert not trusted.peer(("::1", 5000))
    assert not trusted.peer(None)  # a Unix-socket peer needs "unix"


def test_networks_addresses_and_unix() -> None:
    trusted = TrustedPeers(" 10.0.0.0/8, ::1 ,fd00::/8,unix")
    assert trusted.peer(("10.1.2.3", 1))
    assert trusted.peer(None)
    assert trusted.address("0:0::1")  # compared as addresses, not as text
    assert trusted.address("fd00::5")
    assert not trusted.address("11.0.0.1")
    assert not trusted.address("unknown")
    assert not trusted.address("_hidden")


def test_star_trusts_everyone() -> None:
    trusted = TrustedPeers(["*"])
    assert trusted.peer(None) and trusted.peer(("203.0.113.9", 1)) and trusted.address("x")


@pytest.mark.parametrize("bad", ["localhost", "10.0.0.0/33", "1.2.3.4.5"])
def test_bad_entries_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="not an IP"):
        TrustedPeers(bad)

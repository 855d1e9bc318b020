"""Forwarding headers from a trusted peer: which hop is the client, and what is taken."""

from __future__ import annotations

from albany.proxy.forwarded import Forwarded, read_forwarded
from albany.proxy.trust import TrustedPeers

PROXIES = TrustedPeers("127.0.0.1,10.0.0.0/8")


def read(*headers: tuple[str, str]) -> Forwarded | None:
    pairs = [(name.lower().encode(), value.encode("latin-1")) for name, value in headers]
    return read_forwarded([(b"host", b"backend:8000"), *pairs], PROXIES)


def test_no_forwarding_header() -> None:
    assert read(("Accept", "*/*")) is None


def test_rightmost_untrusted_hop_is_the_client() -> None:
    found = read(("X-Forwarded-For", "6.6.6.6, 203.0.113.7, 10.0.0.2"))
    assert found is not None and found.has_client
    assert found.client == ("203.0.113.7", 0)  # 6.6.6.6 was sent by the client itself


def test_all_hops_trusted_takes_the_leftmost() -> None:
    found = read(("X-Forwarded-For", "10.0.0.3, 10.0.0.2"))
    assert found is not None and found.client == ("10.0.0.3", 0)


def test_repeated_headers_join_in_order() -> None:
    found = read(("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-For", "10.0.0.2"))
    assert found is not None and found.client == ("203.0.113.7", 0)


def test_ipv6_and_ports_in_x_forwarded_for() -> None:
    assert read(("X-Forwarded-For", "[2001:db8::1]:4711")).client == ("2001:db8::1", 4711)  # type: ignore[union-attr]
    assert read(("X-Forwarded-For", "2001:db8::1")).client == ("2001:db8::1", 0)  # type: ignore[union-attr]


def test_proto_host_port_prefix() -> None:
    found = read(
        ("X-Forwarded-For", "203.0.113.7"),
        ("X-Forwarded-Proto", "HTTPS"),
        ("X-Forwarded-Host", "example.com"),
        ("X-Forwarded-Port", "8443"),
        ("X-Forwarded-Prefix", "/app/"),
    )
    assert found == Forwarded(("203.0.113.7", 0), True, True, b"example.com:8443", "/app")


def test_port_alone_goes_on_the_original_host() -> None:
    found = read(("X-Forwarded-Port", "443"))
    assert found is not None and found.host == b"backend:443" and not found.has_client


def test_lists_read_at_the_clients_hop() -> None:
    found = read(
        ("X-Forwarded-For", "203.0.113.7, 10.0.0.2"),
        ("X-Forwarded-Proto", "https, http"),
        ("X-Forwarded-Host", "public.example, internal"),
    )
    assert found is not None and found.secure is True and found.host == b"public.example"
    # lists of another length: the nearest proxy's value
    found = read(("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "http, https"))
    assert found is not None and found.secure is True


def test_invalid_values_are_ignored_each_alone() -> None:
    found = read(
        ("X-Forwarded-For", "203.0.113.7"),
        ("X-Forwarded-Proto", "gopher"),
        ("X-Forwarded-Host", "bad host\r"),
        ("X-Forwarded-Port", "99999"),
        ("X-Forwarded-Prefix", "no-slash"),
    )
    assert found == Forwarded(("203.0.113.7", 0), True, None, None, None)
    assert read(("X-Forwarded-For", "not an address")) is None  # nothing left to apply


def test_rfc7239_forwarded() -> None:
    found = read(
        (
            "Forwarded",
            'for=6.6.6.6;proto=http, for="[2001:db8:cafe::17]:4711";proto=https;'
            'host="example.com", for=10.0.0.2;proto=http;by=10.0.0.1',
        )
    )
    assert found == Forwarded(("2001:db8:cafe::17", 4711), True, True, b"example.com", None)


def test_rfc7239_unknown_and_obfuscated() -> None:
    assert read(("Forwarded", "for=unknown")) == Forwarded(None, True, None, None, None)
    assert read(("Forwarded", "for=_hidden;proto=https")).client == ("_hidden", 0)  # type: ignore[union-attr]


def test_rfc7239_that_does_not_parse_is_ignored_whole() -> None:
    assert read(("Forwarded", 'for=203.0.113.7;proto=https;"broken')) is None
    assert read(("Forwarded", "for=203.0.113.7;for=1.2.3.4")) is None  # parameter twice


def test_x_forwarded_wins_over_forwarded_never_mixed() -> None:
    found = read(
        ("Forwarded", 'for=198.51.100.1;proto=https;host="forwarded.example"'),
        ("X-Forwarded-For", "203.0.113.7"),
    )
    assert found == Forwarded(("203.0.113.7", 0), True, None, None, None)


def test_prefix_applies_with_forwarded_too() -> None:
    found = read(("Forwarded", "for=203.0.113.7"), ("X-Forwarded-Prefix", "/api"))
    assert found == Forwarded(("203.0.113.7", 0), True, None, None, "/api")

"""``--proxy-headers``: what a trusted proxy says about the request it forwards.

Read from the request's headers once the connection's peer is trusted
(``albany.proxy.trust``); the hook puts the result in the scope (``client``, ``scheme``,
the ``host`` header, ``root_path``), so every adapter sees the same.

Rules:

1. ``X-Forwarded-For`` is read from the right: each address a trusted proxy added is
   skipped, and the first untrusted one is the client (the leftmost when all are trusted).
   ``Forwarded`` (RFC 7239) is read the same way, element by element, on ``for=``.
2. The other headers are read at the hop that reached the client: ``X-Forwarded-Proto``,
   ``-Host``, ``-Port`` and ``-Prefix`` at the position of the chosen ``X-Forwarded-For``
   address when their lists are as long, else their last value (the nearest proxy's); the
   ``proto`` and ``host`` of ``Forwarded`` come from the chosen element.
3. When any of ``X-Forwarded-For``, ``-Proto``, ``-Host`` or ``-Port`` is present, they are
   used and ``Forwarded`` is ignored whole; ``Forwarded`` is read only without them. No
   value of one family is mixed with the other. ``X-Forwarded-Prefix`` has no ``Forwarded``
   counterpart and applies with either.
4. A value that does not parse is ignored (that header only; a ``Forwarded`` header that
   does not parse is ignored whole); nothing is half-read.
"""

from __future__ import annotations

import ipaddress
import re
from typing import NamedTuple, Sequence
from urllib.parse import unquote

from albany.proxy.trust import TrustedPeers

Headers = Sequence[tuple[bytes, bytes]]

_X_NAMES = (b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host", b"x-forwarded-port")
_SCHEMES = {"http": False, "https": True, "ws": False, "wss": True}
_HOST_PORT = re.compile(rb"([A-Za-z0-9.\-_~!$&'()*+;=%]+|\[[0-9A-Fa-f:.]+\])(?::([0-9]{1,5}))?")
_PAIR = re.compile(r'\s*([A-Za-z0-9!#$%&\'*+.^_`|~-]+)=("(?:[^"\\]|\\.)*"|[^;,"\s]*)\s*')
_NODE = re.compile(
    r"^(?:\[([0-9A-Fa-f:.]+)\]|([0-9.]+)|(_[A-Za-z0-9._-]+))(?::(\d{1,5}|_[A-Za-z0-9._-]+))?$"
)


class Forwarded(NamedTuple):
    """What the proxy says; ``None`` in a field: the connection's own value stands."""

    client: tuple[str, int] | None
    has_client: bool  # False: no usable client address was forwarded
    secure: bool | None
    host: bytes | None
    prefix: str | None


def read_forwarded(headers: Headers, trusted: TrustedPeers) -> Forwarded | None:
    """The forwarding information in ``headers`` from a trusted peer, or None if there is none."""
    values: dict[bytes, list[str]] = {}
    own_host: bytes | None = None
    for name, value in headers:
        if name == b"host":
            own_host = value
        elif name.startswith(b"x-forwarded-") or name == b"forwarded":
            items = [item.strip() for item in value.decode("latin-1").split(",")]
            values.setdefault(name, []).extend(items)
    if not values:
        return None
    prefix = _prefix(values.get(b"x-forwarded-prefix"))
    if any(name in values for name in _X_NAMES):
        found = _x_forwarded(values, trusted, own_host, prefix)
    elif b"forwarded" in values:
        found = _rfc7239(headers, trusted, prefix)
    else:
        found = Forwarded(None, False, None, None, prefix)
    if found == (None, False, None, None, None):
        return None
    return found


def _x_forwarded(
    values: dict[bytes, list[str]],
    trusted: TrustedPeers,
    own_host: bytes | None,
    prefix: str | None,
) -> Forwarded:
    hops = [hop for hop in values.get(b"x-forwarded-for", ()) if hop]
    index = _client_index([_node_host(hop) for hop in hops], trusted)
    client = _node(hops[index]) if hops else None
    has_client = bool(hops) and client is not False

    def pick(name: bytes) -> str | None:
        items = values.get(name)
        if not items:
            return None
        return items[index] if hops and len(items) == len(hops) else items[-1]

    proto = pick(b"x-forwarded-proto")
    secure = _SCHEMES.get(proto.lower()) if proto else None
    host = _host(pick(b"x-forwarded-host"))
    port = pick(b"x-forwarded-port")
    if port is not None and port.isdigit() and 0 < int(port) < 65536:  # else ignored
        host = _with_port(host if host is not None else own_host, port)
    return Forwarded(
        client if isinstance(client, tuple) else None, has_client, secure, host, prefix
    )


def _rfc7239(headers: Headers, trusted: TrustedPeers, prefix: str | None) -> Forwarded:
    elements: list[dict[str, str]] = []
    for name, value in headers:
        if name == b"forwarded":
            parsed = _parse_forwarded(value.decode("latin-1"))
            if parsed is None:
                return Forwarded(None, False, None, None, prefix)
            elements.extend(parsed)
    if not elements:
        return Forwarded(None, False, None, None, prefix)
    nodes = [element.get("for") for element in elements]
    index = _client_index([_node_host(node) if node else "" for node in nodes], trusted)
    chosen = elements[index]
    node = chosen.get("for")
    client = _node(node) if node is not None else False
    proto = chosen.get("proto")
    return Forwarded(
        client if isinstance(client, tuple) else None,
        client is not False,
        _SCHEMES.get(proto.lower()) if proto else None,
        _host(chosen.get("host")),
        prefix,
    )


def _parse_forwarded(value: str) -> list[dict[str, str]] | None:
    """RFC 7239 elements as ``{parameter: value}``; None if the value does not parse."""
    elements: list[dict[str, str]] = []
    position, end = 0, len(value)
    element: dict[str, str] = {}
    while position < end:
        match = _PAIR.match(value, position)
        if match is None or not match.group(0).strip():
            return None
        name, raw = match.group(1).lower(), match.group(2)
        if raw.startswith('"'):
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        if name in element:
            return None  # a parameter twice in one element (RFC 7239 section 4)
        element[name] = raw
        position = match.end()
        if position < end and value[position] == ";":
            position += 1
        elif position < end and value[position] == ",":
            elements.append(element)
            element = {}
            position += 1
            while position < end and value[position] in " \t":
                position += 1
        elif position < end:
            return None
    elements.append(element)
    return elements


def _client_index(hosts: list[str], trusted: TrustedPeers) -> int:
    for index in range(len(hosts) - 1, -1, -1):
        if not trusted.address(hosts[index]):
            return index
    return 0


def _node_host(node: str) -> str:
    """The address part of a node (``[::1]:80`` → ``::1``), for the trust check."""
    client = _node(node)
    return client[0] if isinstance(client, tuple) else node


def _node(node: str) -> tuple[str, int] | None | bool:
    """A node as the scope's ``client``: (host, port), None for ``unknown``, False if invalid.

    Nodes are ``192.0.2.1``, ``192.0.2.1:80``, ``2001:db8::1``, ``[2001:db8::1]:80``,
    an obfuscated ``_name`` (RFC 7239 section 6.3) or ``unknown``.
    """
    if node.lower() == "unknown":
        return None
    if node.count(":") > 1 and not node.startswith("["):
        node = f"[{node}]"  # a bare IPv6 address, as nginx and most proxies write it
    match = _NODE.match(node)
    if match is None:
        return False
    v6, v4, obfuscated, port = match.groups()
    if not obfuscated:
        try:
            host = str(ipaddress.ip_address(v6 or v4))
        except ValueError:
            return False
        if (v6 is not None) != (":" in host):
            return False
    else:
        host = obfuscated
    number = int(port) if port and port.isdigit() else 0
    if number > 65535:
        return False
    return (host, number)


def _host(value: str | None) -> bytes | None:
    if not value:
        return None
    match = _HOST_PORT.fullmatch(value.encode("latin-1"))
    return match.group(0) if match is not None else None


def _with_port(host: bytes | None, port: str) -> bytes | None:
    match = _HOST_PORT.fullmatch(host) if host is not None else None
    if match is None:
        return None
    return match.group(1) + b":" + port.encode("ascii")


def _prefix(items: list[str] | None) -> str | None:
    if not items:
        return None
    value = items[-1]
    if not value.startswith("/") or any(ch in value for ch in "?# \t") or "\\" in value:
        return None
    return unquote(value).rstrip("/")

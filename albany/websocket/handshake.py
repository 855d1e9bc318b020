"""The opening handshake (RFC 6455, section 4.2), read from the request ``albany.http1`` parsed.

The request head is parsed once, by llhttp: this module never sees raw bytes. It checks
the fields a WebSocket upgrade needs and writes the ``101 Switching Protocols`` head.

Rules:

1. A WebSocket upgrade is an ``Upgrade: websocket`` request (any case) that llhttp
   reported as an upgrade (``Connection: upgrade`` present): the only ``Request`` whose
   ``upgrade`` the reader keeps (``albany/http1/reader.py``, rule 6).
2. It must be a ``GET``, HTTP/1.1, without a body, with exactly one
   ``Sec-WebSocket-Key`` that is 16 bytes in base64; else 400.
3. ``Sec-WebSocket-Version`` must list 13; else 426 with ``Sec-WebSocket-Version: 13``.
4. Subprotocols and extension offers are read from every field of their name, in order.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Iterable, NamedTuple, Sequence

from albany.http1.events import Request

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_FORBIDDEN_IN_VALUE = re.compile(rb"[\x00\r\n]")
HANDSHAKE_FIELDS = frozenset(
    {
        b"upgrade",
        b"connection",
        b"sec-websocket-accept",
        b"sec-websocket-extensions",
        b"sec-websocket-protocol",
        b"content-length",
        b"transfer-encoding",
    }
)
"""Response fields of the ``101`` that the server writes itself; an app's are dropped."""


class HandshakeError(Exception):
    """The upgrade request is not a valid WebSocket handshake: answer ``status``."""

    def __init__(self, status: int, reason: str, headers: bytes = b"") -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.headers = headers


class Handshake(NamedTuple):
    """What the server needs from a valid upgrade request."""

    key: bytes
    subprotocols: list[str]
    extension_offers: list[str]  # each "name; param; param=value", in the client's order


def _split(values: Iterable[bytes]) -> list[str]:
    items = (item.strip() for value in values for item in value.decode("latin-1").split(","))
    return [item for item in items if item]


def read_handshake(request: Request) -> Handshake:
    """The handshake in ``request``; raises ``HandshakeError`` (rules 2 to 4)."""
    if request.method != "GET" or request.http_version != "1.1" or request.has_body:
        raise HandshakeError(400, "A WebSocket upgrade is a GET over HTTP/1.1 without a body")
    keys: list[bytes] = []
    versions: list[bytes] = []
    protocols: list[bytes] = []
    extensions: list[bytes] = []
    for name, value in request.headers:
        if name == b"sec-websocket-key":
            keys.append(value)
        elif name == b"sec-websocket-version":
            versions.append(value)
        elif name == b"sec-websocket-protocol":
            protocols.append(value)
        elif name == b"sec-websocket-extensions":
            extensions.append(value)
    if "13" not in _split(versions):
        raise HandshakeError(426, "Unsupported WebSocket version", b"sec-websocket-version: 13\r\n")
    if len(keys) != 1:
        raise HandshakeError(400, "Exactly one Sec-WebSocket-Key field is required")
    try:
        nonce = base64.b64decode(keys[0], validate=True)
    except binascii.Error:
        nonce = b""
    if len(nonce) != 16:
        raise HandshakeError(400, "Invalid Sec-WebSocket-Key")
    return Handshake(keys[0], _split(protocols), _split(extensions))


def accept_token(key: bytes) -> bytes:
    """``Sec-WebSocket-Accept`` for ``key``."""
    return base64.b64encode(hashlib.sha1(key + _GUID).digest())  # noqa: S324 - RFC 6455


def accept_head(
    handshake: Handshake,
    subprotocol: str | None,
    extensions: str | None,
    headers: Iterable[Sequence[bytes]],
    default_headers: bytes,
) -> bytes:
    """The ``101 Switching Protocols`` head. Raises ``ValueError`` for a bad app header."""
    parts = [
        b"HTTP/1.1 101 Switching Protocols\r\n",
        default_headers,
        b"upgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: %s\r\n"
        % accept_token(handshake.key),
    ]
    if subprotocol is not None:
        parts.append(b"sec-websocket-protocol: %s\r\n" % subprotocol.encode("latin-1"))
    if extensions:
        parts.append(b"sec-websocket-extensions: %s\r\n" % extensions.encode("latin-1"))
    for name, value in headers:
        if _TOKEN.fullmatch(name) is None:
            raise ValueError(f"Invalid response header name {name!r}")
        if _FORBIDDEN_IN_VALUE.search(value) is not None:
            raise ValueError(f"Invalid response header value {value!r}")
        if name.lower() not in HANDSHAKE_FIELDS:
            parts.append(b"%s: %s\r\n" % (name, value))
    parts.append(b"\r\n")
    return b"".join(parts)


def choose_subprotocol(
    handshake: Handshake, subprotocol: str | None, headers: Iterable[Sequence[bytes]]
) -> str | None:
    """The subprotocol the app accepted (``subprotocol`` or its own field); one offered."""
    if subprotocol is None:
        for name, value in headers:
            if name.lower() == b"sec-websocket-protocol":
                subprotocol = value.decode("latin-1").strip()
    if subprotocol is not None and subprotocol not in handshake.subprotocols:
        raise ValueError(f"Subprotocol {subprotocol!r} was not offered by the client")
    return subprotocol

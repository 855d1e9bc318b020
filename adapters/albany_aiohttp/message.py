"""An ASGI HTTP scope as aiohttp's ``RawRequestMessage``: what its parser would have made.

Header names arrive lower-cased (ASGI), so ``raw_headers`` are lower-case where
aiohttp's parser keeps the client's spelling; ``headers`` is case-insensitive anyway.
``Connection`` is read as a list of tokens, as aiohttp's parser reads it (``notupgrade``
is not ``upgrade``).
The path is the full one, ``root_path`` included: a mounted application's routes are
moved below its prefix instead (``prefix.RoutePrefix``), as aiohttp does for a
sub-application.
"""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple

from aiohttp import HttpVersion, HttpVersion10, HttpVersion11
from aiohttp.http import RawRequestMessage
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

_COMPRESSIONS = frozenset(("gzip", "deflate", "br", "zstd"))
_SPECIAL = frozenset(
    ("connection", "upgrade", "transfer-encoding", "content-encoding", "content-length", "expect")
)
"""Header fields (ASGI names are lower-case) that decide framing and connection handling."""


class ParsedRequest(NamedTuple):
    """The message, and what the body transport needs to know."""

    message: RawRequestMessage
    has_body: bool
    expects_continue: bool  # ``Expect: 100-continue``: the app's expect handler runs


def _text(value: bytes) -> str:
    return value.decode("utf-8", "surrogateescape")


def _version(http_version: str) -> HttpVersion:
    if http_version == "1.1":
        return HttpVersion11
    if http_version == "1.0":
        return HttpVersion10
    major, _, minor = http_version.partition(".")
    return HttpVersion(int(major), int(minor or 0))


def _target(scope: Mapping[str, Any]) -> str:
    raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
    return _text(raw_path)


def request_message(scope: Mapping[str, Any]) -> ParsedRequest:
    """The ``RawRequestMessage`` for ``scope``, and whether a body follows."""
    path = _target(scope)
    query = _text(scope.get("query_string", b""))
    raw_headers = tuple(scope["headers"])
    pairs = []
    special: dict[str, str] = {}
    for raw_name, raw_value in raw_headers:
        name, value = _text(raw_name), _text(raw_value)
        pairs.append((name, value))
        if name in _SPECIAL:
            special[name] = f"{special[name]}, {value}" if name in special else value
    headers: CIMultiDict[str] = CIMultiDict(pairs)
    version = _version(scope.get("http_version", "1.1"))

    connection = {token.strip() for token in special.get("connection", "").lower().split(",")}
    if version >= HttpVersion11:
        should_close = "close" in connection
    else:
        should_close = "keep-alive" not in connection
    upgrade = "upgrade" in connection and "upgrade" in special
    chunked = "chunked" in special.get("transfer-encoding", "").lower()
    encoding = special.get("content-encoding", "").lower() or None
    compression = encoding if encoding in _COMPRESSIONS else None
    length = special.get("content-length", "")
    has_body = chunked or (length.isdigit() and int(length) > 0)

    if path == "*":
        url = URL("*", encoded=True)
    else:
        url = URL.build(path=path, query_string=query, encoded=True)
    target = f"{path}?{query}" if query else path
    message = RawRequestMessage(
        scope["method"],
        target,
        version,
        CIMultiDictProxy(headers),
        raw_headers,
        should_close,
        compression,
        upgrade,
        chunked,
        url,
    )
    expects_continue = special.get("expect", "").lower() == "100-continue"
    return ParsedRequest(message, has_body, expects_continue)

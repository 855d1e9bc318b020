"""The raw HTTP/1.1 request bytes the in-memory client sends."""

from __future__ import annotations

import json as json_module
from typing import Any, Iterable, Mapping

Headers = Mapping[str, str] | Iterable[tuple[str, str]]
"""Request header fields: a mapping, or (name, value) pairs for repeated fields."""


def request_bytes(
    method: str,
    url: str,
    host: str,
    headers: Headers | None,
    content: bytes | str,
    json: Any,
) -> bytes:
    """One request: ``host`` and ``content-length`` added unless given; ``json`` as the body."""
    pairs = _pairs(headers)
    if json is not None:
        content = json_module.dumps(json).encode("utf-8")
        pairs.append(("content-type", "application/json"))
    body = content.encode("utf-8") if isinstance(content, str) else content
    lines = [f"{method} {url} HTTP/1.1"]
    names = {name.lower() for name, _ in pairs}
    if "host" not in names:
        lines.append(f"host: {host}")
    lines += [f"{name}: {value}" for name, value in pairs]
    if body and "content-length" not in names and "transfer-encoding" not in names:
        lines.append(f"content-length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _pairs(headers: Headers | None) -> list[tuple[str, str]]:
    if headers is None:
        return []
    if isinstance(headers, Mapping):
        return list(headers.items())
    return list(headers)

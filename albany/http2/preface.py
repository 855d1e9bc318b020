"""Telling an HTTP/2 client from an HTTP/1.1 one by its first bytes (prior knowledge)."""

from __future__ import annotations

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
"""The client connection preface (RFC 9113 3.4)."""


def looks_like_preface(data: bytes) -> bool | None:
    """True when ``data`` begins with the preface, False when it cannot, None while too short
    to tell (``data`` is a prefix of the preface)."""
    if data[: len(PREFACE)] == PREFACE[: len(data)]:
        return True if len(data) >= len(PREFACE) else None
    return False

"""Limits on what a client may send."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Request limits; exceeding one is answered with the status in the comment."""

    max_request_line: int = 8190  # 414: method, target and version together
    max_header_size: int = 65536  # 431: all header names and values together
    max_header_count: int = 100  # 431
    max_body_size: int | None = None  # 413; None means no limit

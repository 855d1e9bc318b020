"""Limits on what a client may send."""

from __future__ import annotations

from dataclasses import dataclass

from albany.settings_check import at_least


@dataclass(frozen=True)
class Limits:
    """Request limits; exceeding one is answered with the status in the comment."""

    max_request_line: int = 8190  # 414: method, target and version together
    max_header_size: int = 65536  # 431: all header names and values together
    max_header_count: int = 100  # 431
    max_body_size: int | None = None  # 413; None means no limit

    def __post_init__(self) -> None:
        at_least("max_request_line", self.max_request_line, 1)
        at_least("max_header_size", self.max_header_size, 1)
        at_least("max_header_count", self.max_header_count, 1)
        at_least("max_body_size", self.max_body_size, 0, optional=True)

"""The one error the HTTP/1.1 layer raises."""

from __future__ import annotations


class ProtocolError(Exception):
    """The peer broke HTTP/1.1 (or a limit): answer ``status`` and close.

    After a ``ProtocolError`` the connection can carry no further request.
    """

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason

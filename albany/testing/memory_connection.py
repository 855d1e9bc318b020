"""One in-memory connection: the real ``HttpConnection`` over a transport that keeps the bytes.

``MemoryExchange`` connects, feeds the request bytes to the gateway, and reads the
response back from what the gateway writes to its ``MemoryTransport``.
"""

from __future__ import annotations

from typing import Callable

from albany.gateway.connection import HttpConnection
from albany.gateway.server_state import ServerState
from albany.testing.fakes import FakeTransport
from albany.testing.loop_drivers import Wake
from albany.testing.memory_response import MemoryResponse
from albany.testing.response_parser import parse_response

CLIENT_ADDRESS = ("127.0.0.1", 50000)
"""The peer address every in-memory connection reports."""

SERVER_ADDRESS = ("127.0.0.1", 80)
"""The local address every in-memory connection reports."""


class MemoryTransport(FakeTransport):
    """A ``FakeTransport`` that tells a listener about every write and the close."""

    def __init__(self, listener: Callable[[], None] = lambda: None) -> None:
        super().__init__()
        self.listener = listener

    @property
    def data(self) -> bytes:
        """Everything written so far."""
        return b"".join(self.written)

    def write(self, data: bytes) -> None:
        super().write(data)
        self.listener()

    def close(self) -> None:
        if not self.closed:
            super().close()
            self.listener()

    def abort(self) -> None:
        if not self.closed:
            super().abort()
            self.listener()


class MemoryExchange:
    """One request on a connection of its own, and the response read back."""

    def __init__(self, state: ServerState, head: bool) -> None:
        self.state = state
        self.head = head
        self.transport = MemoryTransport()
        self.parsed: list[MemoryResponse] = []
        self.started = False

    def begin(self, data: bytes, wake: Wake) -> None:
        """Connect and send ``data`` (on the loop); ``wake()`` once a response is read."""

        def check() -> None:
            if not self.parsed:
                found = parse_response(self.transport.data, self.head, self.transport.closed)
                if found is not None:
                    self.parsed.append(found[0])
                    wake()
                elif self.transport.closed:
                    wake()

        self.transport.listener = check
        self.connection = HttpConnection(
            self.state, self.transport, server=SERVER_ADDRESS, client=CLIENT_ADDRESS
        )
        self.started = True
        self.connection.data_received(data)

    def response(self) -> MemoryResponse:
        """The response read back; ``AssertionError`` if the connection closed first."""
        if not self.parsed:
            raise AssertionError(
                f"the connection closed without a complete response: {self.transport.data[:500]!r}"
            )
        return self.parsed[0]

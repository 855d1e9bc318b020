"""Per-connection glue: asyncio protocol callbacks to the gateway's ``HttpConnection``.

An asyncio transport already has the gateway's ``Transport`` methods
(``write``, ``pause_reading``, ``resume_reading``, ``close``), so it is passed as is.
"""

from __future__ import annotations

import asyncio
from typing import cast

from albany.gateway.connection import HttpConnection
from albany.gateway.server_state import ServerState
from albany.sockets import client_address, server_address


def is_tls(transport: asyncio.BaseTransport) -> bool:
    """Whether the connection is encrypted (``https``/``wss``)."""
    return transport.get_extra_info("sslcontext") is not None


class HttpProtocol(asyncio.Protocol):
    """One accepted connection."""

    __slots__ = ("_state", "_connection")

    def __init__(self, state: ServerState) -> None:
        self._state = state
        self._connection: HttpConnection | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        stream = cast(asyncio.Transport, transport)
        stream.set_write_buffer_limits(high=self._state.config.high_water)
        self._connection = HttpConnection(
            self._state,
            stream,
            server=server_address(transport.get_extra_info("sockname")),
            client=client_address(transport.get_extra_info("peername")),
            scheme="https" if is_tls(transport) else "http",
            tls=transport.get_extra_info("ssl_object"),
        )

    def data_received(self, data: bytes) -> None:
        self._connection.data_received(data)  # type: ignore[union-attr]

    def eof_received(self) -> bool:
        self._connection.eof_received()  # type: ignore[union-attr]
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if self._connection is not None:
            self._connection.connection_lost()

    def pause_writing(self) -> None:
        self._connection.pause_writing()  # type: ignore[union-attr]

    def resume_writing(self) -> None:
        self._connection.resume_writing()  # type: ignore[union-attr]

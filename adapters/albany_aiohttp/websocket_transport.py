"""A WebSocket session's connection as aiohttp sees it: ``receive`` read into the session.

Like ``AsgiTransport`` for a request, it gives aiohttp the peer's address and flow
control, but what it reads are ``websocket.*`` messages, handed to the
``AsgiWebSocket`` in order. States: watching (before the accept only a disconnect
can come) → reading (paused ⇄ reading, as aiohttp's queue fills and drains) → done
(the disconnect, or ``finish()``). Invariants:

1. Only this transport calls ``receive``, from one task, never twice at once.
2. While paused it does not call ``receive``: the server stops reading the socket.
3. ``finish()`` stops it, cancelling a ``receive`` in progress: the app is returning.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Mapping

from albany.types import Receive
from albany_aiohttp.transport import AsgiTransport

if TYPE_CHECKING:
    from albany_aiohttp.websocket import AsgiWebSocket


class WebSocketTransport(AsgiTransport):
    """One WebSocket session's connection: addresses from the scope, messages from ``receive``."""

    def __init__(self, scope: Mapping[str, Any], receive: Receive) -> None:
        super().__init__(scope, receive)
        self._session: AsgiWebSocket | None = None
        self._reader: asyncio.Task[None] | None = None

    def start_session(self, protocol: asyncio.BaseProtocol, session: AsgiWebSocket) -> None:
        """Read ``receive`` into ``session``; ``protocol`` hears of a lost connection."""
        self._protocol = protocol
        self._session = session
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        receive = self._receive
        session = self._session
        assert session is not None
        while not self._done:
            if self._paused:
                self._resume = asyncio.get_running_loop().create_future()
                await self._resume
                continue
            message = await receive()
            session.received(message)
            if message["type"] == "websocket.disconnect":
                self._closing = True
                return

    def lost(self) -> None:
        """The connection ended without a close handshake: aiohttp's ``connection_lost``."""
        self._disconnected()

    def close(self) -> None:
        """aiohttp is done with the connection: the session closes if still open."""
        super().close()
        if self._session is not None:
            self._session.transport_closed()

    def abort(self) -> None:
        self.close()

    def finish(self) -> None:
        """The app is returning: stop reading (invariant 3)."""
        super().finish()
        reader, self._reader = self._reader, None
        if reader is not None and not reader.done():
            reader.cancel()

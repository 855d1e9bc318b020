"""An autobahn server factory as an Albany app: WebSocket sessions, a 426 for HTTP, lifespan."""

from __future__ import annotations

from typing import Any, Awaitable

from albany.types import Receive, Send
from albany_autobahn.flavours import factory_flavour
from albany_autobahn.serve import serve_factory

_UPGRADE_REQUIRED = b"This is a WebSocket endpoint: connect with a WebSocket client.\n"


class FactoryApp:
    """``app(scope, receive, send)`` serving ``factory``; flavour ``twisted`` or ``asyncio``.

    - ``websocket``: one session per scope (``serve_factory``);
    - ``http``: ``426 Upgrade Required`` with ``upgrade: websocket``;
    - ``lifespan``: the factory's ``doStart()`` at start-up and ``doStop()`` at shutdown, as
      a Twisted port calls them (``startFactory``/``stopFactory``); asyncio factories have none.
    """

    def __init__(self, factory: Any) -> None:
        self.factory = factory
        self.__albany_flavour__ = factory_flavour(factory)

    def __call__(self, scope: Any, receive: Receive, send: Send) -> Awaitable[None]:
        kind = scope["type"]
        if kind == "websocket":
            return serve_factory(self.factory, scope, receive, send)
        if kind == "http":
            return self.upgrade_required(send)
        if kind == "lifespan":
            return self.lifespan(receive, send)
        raise ValueError(f"Unsupported scope type {kind!r}")

    async def upgrade_required(self, send: Send) -> None:
        """Plain HTTP on the factory's URL: 426, as autobahn answers without ``webStatus``."""
        await send(
            {
                "type": "http.response.start",
                "status": 426,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"upgrade", b"websocket"),
                    (b"sec-websocket-version", b"13"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": _UPGRADE_REQUIRED})

    async def lifespan(self, receive: Receive, send: Send) -> None:
        """Start the factory with the server and stop it at shutdown."""
        factory = self.factory
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if hasattr(factory, "doStart"):
                    factory.doStart()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if hasattr(factory, "doStop"):
                    factory.doStop()
                await send({"type": "lifespan.shutdown.complete"})
                return


def factory_app(factory: Any) -> FactoryApp:
    """An autobahn ``WebSocketServerFactory`` as an Albany app (``albany mymod:app``)."""
    return FactoryApp(factory)

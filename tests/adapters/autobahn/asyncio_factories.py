"""autobahn.asyncio factories served by Albany: ``app`` is a Mount of them (flavour asyncio).

The same protocols and paths as ``twisted_factories``, on autobahn's asyncio classes.
"""

from __future__ import annotations

import asyncio
from typing import Any

from autobahn.asyncio.websocket import WebSocketServerFactory, WebSocketServerProtocol

import albany
from albany_autobahn import factory_app
from tests.adapters.autobahn.behaviours import Recording, Streaming


async def later(value: Any) -> Any:
    """``value``, a little later (a coroutine on the serving loop)."""
    await asyncio.sleep(0.05)
    return value


class Echo(Recording, WebSocketServerProtocol):
    flavour = "asyncio"
    later = staticmethod(later)


class Streamed(Streaming, Echo):
    pass


def make_factory(protocol: type, **options: Any) -> WebSocketServerFactory:
    headers = options.pop("headers", None)
    factory = WebSocketServerFactory(headers=headers)
    factory.protocol = protocol
    if options:
        factory.setProtocolOptions(**options)
    return factory


echo = make_factory(Echo)
"""A bare factory: the ``albany`` command recognises it and wraps it itself."""

app = albany.Mount(
    {
        "/echo": factory_app(echo),
        "/auto": factory_app(make_factory(Echo, autoPingInterval=0.2, autoPingTimeout=5)),
        "/limited": factory_app(
            make_factory(Echo, maxMessagePayloadSize=64, headers={"x-factory": "yes"})
        ),
        "/stream": factory_app(make_factory(Streamed)),
        "/strict": factory_app(
            make_factory(Echo, allowedOrigins=["https://good.example:*"], trustXForwardedFor=1)
        ),
    }
)

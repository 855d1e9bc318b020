"""autobahn.twisted factories served by Albany: ``app`` is a Mount of them (flavour twisted).

``/echo/...``: the recording echo protocol; ``/auto/...``: with autobahn's auto-ping;
``/limited/...``: with a 64-byte message limit and a factory header; ``/stream/...``: on
the streaming receive API; ``/strict/...``: with allowed origins and a trusted proxy;
``/resource/...``: ``serve_factory`` given a twisted.web request. ``mixed`` adds an
asyncio-flavoured ASGI app beside the echo factory.
"""

from __future__ import annotations

import os
from typing import Any

from autobahn.twisted.websocket import WebSocketServerFactory, WebSocketServerProtocol
from twisted.internet import reactor, task
from twisted.internet.address import IPv4Address
from twisted.web.test.requesthelper import DummyRequest

import albany
from albany_autobahn import factory_app, serve_factory
from tests.adapters.autobahn.behaviours import EVENTS, Recording, Streaming


def later(value: Any) -> Any:
    """A Deferred firing with ``value`` a little later."""
    return task.deferLater(reactor, 0.05, lambda: value)  # type: ignore[arg-type]


class Echo(Recording, WebSocketServerProtocol):
    flavour = "twisted"
    later = staticmethod(later)


class Streamed(Streaming, Echo):
    pass


class StartedFactory(WebSocketServerFactory):
    """Records its start and stop, which Albany's lifespan drives (also in the file named by
    ``AUTOBAHN_FACTORY_EVENTS``, read after the server has stopped)."""

    def startFactory(self) -> None:
        self.record("started")

    def stopFactory(self) -> None:
        self.record("stopped")

    def record(self, event: str) -> None:
        EVENTS.append([event, type(self).__name__])
        path = os.environ.get("AUTOBAHN_FACTORY_EVENTS")
        if path:
            with open(path, "a", encoding="utf-8") as log:
                log.write(event + "\n")


def make_factory(protocol: type, **options: Any) -> WebSocketServerFactory:
    headers = options.pop("headers", None)
    factory = StartedFactory(headers=headers)
    factory.protocol = protocol
    if options:
        factory.setProtocolOptions(**options)
    return factory


echo = make_factory(Echo)


@albany.flavour("twisted")
async def resource(scope: Any, receive: Any, send: Any) -> None:
    """``serve_factory`` as the twisted.web adapter calls it, with the upgrade's request."""
    if scope["type"] == "websocket":
        request = DummyRequest([b""])
        request.client = IPv4Address("TCP", "192.0.2.7", 4242)
        await serve_factory(echo, scope, receive, send, request=request)


app = albany.Mount(
    {
        "/echo": factory_app(echo),
        "/resource": resource,
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


async def plain(scope: Any, receive: Any, send: Any) -> None:
    """An asyncio-flavoured ASGI echo, served beside the Twisted factory."""
    if scope["type"] != "websocket":
        return
    await receive()
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        await send({"type": "websocket.send", "text": f"asyncio: {message.get('text')}"})


mixed = albany.Mount({"/echo": factory_app(echo), "/plain": plain})

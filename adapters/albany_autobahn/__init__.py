"""autobahn WebSocket servers on every loop, with Albany's WebSocket engine.

- ``factory_app(factory)``: an ``autobahn.twisted`` (or ``autobahn.asyncio``)
  ``WebSocketServerFactory`` as an Albany app (``albany mymod:app --loop uvloop``).
- ``serve_factory(factory, scope, receive, send)``: one ``websocket`` scope served by a
  factory's protocol, for adapters that route to it (twisted.web's ``WebSocketResource``).

Albany's core parses the handshake and frames every message; the protocol's callbacks
(``onConnect``, ``onOpen``, ``onMessage``, ``onPing``, ``onPong``, ``onClose``) are called
from ASGI messages, and its ``sendMessage``/``sendClose``/``sendPing`` become ASGI messages.
Guide: docs/guides/autobahn.md.
"""

from albany_autobahn.app import FactoryApp, factory_app
from albany_autobahn.flavours import factory_flavour
from albany_autobahn.serve import serve_factory

__all__ = ["FactoryApp", "factory_app", "factory_flavour", "serve_factory"]

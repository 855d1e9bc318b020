"""Tornado on every loop: Tornado applications served by Albany, and Albany apps in Tornado.

- ``tornado_app(application)``: a ``tornado.web.Application`` (any
  ``HTTPServerConnectionDelegate``) as an asyncio-flavoured Albany app; what
  ``albany myapp:application --loop twisted`` uses. Its ``WebSocketHandler`` routes are
  served too, over ASGI ``websocket`` messages (Albany frames them).
- ``HTTPServer``: ``tornado.httpserver.HTTPServer``'s constructor and methods, serving
  through Albany's core, so a start-up script changes one import.
- ``AlbanyHandler``: a ``RequestHandler`` that serves an Albany/ASGI app from a route.
"""

from albany_tornado.application import TornadoApp, tornado_app
from albany_tornado.connection import AlbanyConnection
from albany_tornado.handler import AlbanyHandler
from albany_tornado.httpserver import HTTPServer
from albany_tornado.options import ServerOptions

__all__ = [
    "AlbanyConnection",
    "AlbanyHandler",
    "HTTPServer",
    "ServerOptions",
    "TornadoApp",
    "tornado_app",
]

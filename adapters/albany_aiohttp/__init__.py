"""aiohttp and Albany, both ways.

- ``aiohttp_app(application)``: an ``aiohttp.web.Application`` as an Albany app
  (asyncio flavour), served on every loop Albany has — Twisted included — its
  ``web.WebSocketResponse`` handlers on Albany's WebSocket frames.
- ``run_app(application, loop="twisted", ...)``: ``aiohttp.web.run_app`` with Albany
  as the server.
- ``add_albany_app(application, prefix, app)`` / ``albany_handler(app)``: an Albany
  (or any ASGI) app served from inside an aiohttp application.
"""

from albany_aiohttp.application import AiohttpApp, aiohttp_app
from albany_aiohttp.mount import AlbanyHandler, add_albany_app, albany_handler
from albany_aiohttp.runner import run_app

__all__ = [
    "AiohttpApp",
    "AlbanyHandler",
    "add_albany_app",
    "aiohttp_app",
    "albany_handler",
    "run_app",
]

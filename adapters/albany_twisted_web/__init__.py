"""twisted.web on every loop: resource trees as Albany apps, Albany apps as resources.

- ``resource_app(root)``: a resource tree, a ``Site`` or a Klein app as a
  twisted-flavoured Albany app (``albany mysite:root --loop uvloop``).
- ``Site(root)``: a drop-in ``twisted.web.server.Site`` parsed by Albany's core.
- ``AppResource(app)``: any Albany/ASGI app mounted in a twisted.web tree.
- ``IStreamingBodyResource``: read a request body as it arrives (opt-in).
- WebSocket: ``twisted.web.websocket.WebSocketResource`` in a served tree runs on Albany's
  frames (``websocket``); its protocol's ``connectionLost`` gets ``WebSocketClosed``
  (close code and reason) or ``WebSocketLost``.

Guide: docs/guides/twisted-web.md.
"""

from albany_twisted_web.app_resource import AppResource
from albany_twisted_web.resource_app import ResourceApp, resource_app
from albany_twisted_web.site import Site
from albany_twisted_web.streaming import IStreamingBodyResource
from albany_twisted_web.websocket_transport import WebSocketClosed, WebSocketLost

__all__ = [
    "AppResource",
    "IStreamingBodyResource",
    "ResourceApp",
    "Site",
    "WebSocketClosed",
    "WebSocketLost",
    "resource_app",
]

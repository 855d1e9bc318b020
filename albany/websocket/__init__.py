"""WebSocket (RFC 6455) over the gateway: the ASGI ``websocket`` scope on every backend.

The upgrade request is parsed once, by ``albany.http1``; ``handshake`` reads what it needs
from that parsed request, and ``session.WebSocketSession`` takes over the connection's bytes
after a successful upgrade, framing them with ``frames`` (RFC 6455, sans-IO) and
``extensions`` (permessage-deflate). Like ``albany.gateway``, nothing here imports a loop, a
socket or a clock; ``frames`` uses the C masking routine of ``websockets`` when installed.
"""

from albany.websocket.settings import WebSocketSettings

__all__ = ["WebSocketSettings"]

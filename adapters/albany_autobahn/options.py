"""The factory's protocol options: copied per connection, and the handshake checks they ask for.

autobahn copies ``CONFIG_ATTRS`` from the factory onto each protocol that has not set
them itself; the protocol reads them from ``self``. The checks that need no frame and
no byte of the request (origins, connection count) are applied as autobahn applies them.
The others belong to Albany's core and its settings (see docs/guides/autobahn.md).
"""

from __future__ import annotations

from typing import Any

from autobahn.websocket.protocol import _is_same_origin, _url_to_origin

Refusal = tuple[int, "str | None"]


def copy_options(proto: Any) -> None:
    """Give ``proto`` each option it does not set itself, from its factory."""
    factory = proto.factory
    for name in proto.CONFIG_ATTRS:
        if not hasattr(proto, name):
            setattr(proto, name, getattr(factory, name))


def refusal(proto: Any) -> Refusal | None:
    """Why autobahn would refuse this handshake before ``onConnect``: (status, reason)."""
    factory = proto.factory
    if proto.maxConnections > 0 and factory.countConnections > proto.maxConnections:
        return 503, "maximum number of connections reached"
    origin = proto.websocket_origin
    if not origin:
        return None
    try:
        origin_tuple = _url_to_origin(origin)  # type: ignore[no-untyped-call]
    except ValueError as error:
        return 400, f"HTTP Origin header invalid: {error}"
    if origin_tuple == "null" and factory.allowNullOrigin:
        return None
    allowed = _is_same_origin(  # type: ignore[no-untyped-call]
        origin_tuple,
        "https" if factory.isSecure else "http",
        factory.externalPort or factory.port,
        proto.allowedOriginsPatterns,
    )
    if not allowed:
        return 400, f"WebSocket connection denied: origin '{origin}' not allowed"
    return None

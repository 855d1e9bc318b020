"""What autobahn's handshake would have told a protocol, taken from the ASGI scope.

autobahn parses the upgrade request into attributes of the protocol (``http_headers``,
``http_request_path``, ``peer``…) and a ``ConnectionRequest`` for ``onConnect``. Here they
come from the scope Albany built from its one parse; no request bytes are read again.
"""

from __future__ import annotations

import os
import threading
from typing import Any
from urllib.parse import parse_qs, quote

from autobahn.wamp.types import TransportDetails
from autobahn.websocket.types import ConnectionRequest

from albany_autobahn.flavours import FactoryFlavour


def http_headers(scope: Any) -> dict[str, str]:
    """The request's fields as autobahn gives them: lower-case names, repeats joined by ", ".

    ``sec-websocket-extensions`` is left out: Albany negotiates compression itself.
    """
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").lower()
        if name == "sec-websocket-extensions":
            continue
        value = raw_value.decode("latin-1").strip()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def peer_of(scope: Any, headers: dict[str, str], trusted_proxies: int) -> str:
    """``tcp4:HOST:PORT`` (``tcp6:``) as autobahn names a peer; a trusted X-Forwarded-For wins."""
    forwarded = headers.get("x-forwarded-for")
    if forwarded and trusted_proxies:
        addresses = [address.strip() for address in forwarded.split(",")]
        return addresses[-trusted_proxies:][0]
    client = scope.get("client")
    if not client:
        return "unknown"
    host, port = client
    return f"tcp{6 if ':' in host else 4}:{host}:{port}"


def addresses(scope: Any, flavour: FactoryFlavour, request: Any = None) -> tuple[Any, Any]:
    """The client's and the server's address: Twisted ``IAddress``es for Twisted factories
    (from the twisted.web ``request`` when there is one), the scope's tuples for asyncio's."""
    if flavour == "asyncio":
        return scope.get("client"), scope.get("server")
    if request is not None:
        return request.getClientAddress(), request.getHost()
    return _twisted_address(scope.get("client")), _twisted_address(scope.get("server"))


def _twisted_address(address: Any) -> Any:
    from twisted.internet.address import IPv4Address, IPv6Address, UNIXAddress

    if not address or address[1] is None:
        return UNIXAddress(address[0] if address else None)
    host, port = address
    if ":" in host:
        return IPv6Address("TCP", host, port)
    return IPv4Address("TCP", host, port)


def describe(proto: Any, scope: Any) -> ConnectionRequest:
    """Set the handshake attributes on ``proto``; the ``ConnectionRequest`` for ``onConnect``."""
    headers = http_headers(scope)
    path = scope.get("raw_path")
    path = path.decode("latin-1") if path else quote(scope["path"])
    query = scope.get("query_string", b"").decode("latin-1")
    uri = f"{path}?{query}" if query else path
    host = headers.get("host", "")
    if ":" in host and not host.endswith("]"):
        host = host.rsplit(":", 1)[0]
    proto.peer = peer_of(scope, headers, proto.trustXForwardedFor)
    proto.http_headers = headers
    proto.http_status_line = f"GET {uri} HTTP/1.1"
    proto.http_request_uri = uri
    proto.http_request_path = path
    proto.http_request_params = parse_qs(query)
    proto.http_request_host = host
    proto.websocket_version = 13  # the version Albany's handshake accepts
    proto.websocket_origin = headers.get("origin", "").strip()
    proto.websocket_protocols = list(scope.get("subprotocols", ()))
    proto.websocket_extensions = []
    proto.websocket_extensions_in_use = []
    proto.websocket_protocol_in_use = None
    proto._transport_details = transport_details(proto.peer, scope)
    return ConnectionRequest(  # type: ignore[no-untyped-call]
        proto.peer,
        headers,
        host,
        path,
        proto.http_request_params,
        proto.websocket_version,
        proto.websocket_origin,
        proto.websocket_protocols,
        proto.websocket_extensions,
    )


def transport_details(peer: str, scope: Any) -> TransportDetails:
    """``proto.transport_details``, as autobahn fills it for a TCP connection."""
    secure = scope.get("scheme") == "wss"
    return TransportDetails(
        channel_type=TransportDetails.CHANNEL_TYPE_TLS
        if secure
        else TransportDetails.CHANNEL_TYPE_TCP,
        channel_framing=TransportDetails.CHANNEL_FRAMING_WEBSOCKET,
        peer=peer,
        is_server=True,
        own_pid=os.getpid(),
        own_tid=threading.get_native_id(),
        own_fd=-1,
        is_secure=secure,
    )


def build_protocol(factory: Any, flavour: FactoryFlavour, address: Any) -> Any:
    """A protocol instance, as autobahn's servers make one per connection (``None``: refused)."""
    if flavour == "twisted":
        return factory.buildProtocol(address)
    return factory()

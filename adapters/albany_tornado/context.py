"""What Tornado calls the connection's ``context``: the peer's address and protocol.

``HTTPServerRequest`` reads ``remote_ip`` and ``protocol`` from it. With ``xheaders``
the proxy headers rewrite both, before the request object is made; one context
serves one request, so nothing has to be undone for the next.
"""

from __future__ import annotations

import socket
from typing import Any

from tornado import httputil, netutil

from albany_tornado.options import ServerOptions


class RequestContext:
    """The client's address and the request's protocol, as ``HTTPServerRequest`` wants them."""

    __slots__ = ("address", "address_family", "remote_ip", "protocol")

    def __init__(self, client: tuple[str, int] | None, protocol: str) -> None:
        self.address = client
        self.address_family: int | None = None
        if client is not None:
            self.address_family = socket.AF_INET6 if ":" in client[0] else socket.AF_INET
        # Tornado's own stand-in for a peer without an IP address (a Unix socket)
        self.remote_ip = client[0] if client is not None else "0.0.0.0"
        self.protocol = protocol

    @classmethod
    def from_scope(cls, scope: Any, options: ServerOptions) -> RequestContext:
        return cls(scope.get("client"), options.protocol or scope.get("scheme", "http"))

    def __str__(self) -> str:
        return self.remote_ip

    def apply_proxy_headers(self, headers: httputil.HTTPHeaders, trusted: frozenset[str]) -> None:
        """``xheaders``: take the client and protocol from ``X-Forwarded-*`` / ``X-Real-Ip``.

        The nearest ``X-Forwarded-For`` entry that is not a trusted downstream proxy
        wins; ``X-Real-Ip`` overrides it. Only a valid IP address is taken.
        """
        forwarded = headers.get("X-Forwarded-For", self.remote_ip)
        hops = [hop.strip() for hop in reversed(forwarded.split(","))]
        client = next((hop for hop in hops if hop not in trusted), hops[-1])
        client = headers.get("X-Real-Ip", client)
        if netutil.is_valid_ip(client):
            self.remote_ip = client
        scheme = headers.get("X-Scheme", headers.get("X-Forwarded-Proto", self.protocol))
        if scheme:
            scheme = scheme.split(",")[-1].strip()
        if scheme in ("http", "https"):
            self.protocol = scheme

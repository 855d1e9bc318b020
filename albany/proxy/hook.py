"""Where the proxy support meets a connection: at its first bytes and where a scope is built.

``ProxySupport`` is made once per server (``ServerState.proxy``, None when both options are
off, so a connection then pays nothing). For each connection whose peer is trusted:

- with ``--proxy-protocol`` the connection's first bytes go to a ``ProxyHeaderReader``
  (``data_received`` is re-bound, as for a WebSocket, until the header is complete): the
  header's addresses replace the connection's, its TLS information makes the scheme
  ``https``, and it is kept for the scope's ``albany.proxy`` extension. A malformed header,
  or none within ``timeout_request_header``, closes the connection with one log line.
  Untrusted peers speak plain HTTP (a PROXY header from one is a bad request).
- with ``--proxy-headers`` each scope is corrected from ``albany.proxy.forwarded``.
  Headers are trusted when the address they came from is: the peer, or the client the
  PROXY header named.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from albany.errors import StartupError
from albany.proxy.forwarded import read_forwarded
from albany.proxy.protocol import (
    PP2_TYPE_ALPN,
    PP2_TYPE_AUTHORITY,
    PP2_TYPE_UNIQUE_ID,
    ProxyHeader,
    ProxyHeaderReader,
    ProxyProtocolError,
)
from albany.proxy.trust import TrustedPeers

if TYPE_CHECKING:
    from albany.config import Config
    from albany.gateway.connection import HttpConnection
    from albany.gateway.interfaces import Timer

logger = logging.getLogger("albany.error")

EXTENSION = "albany.proxy"


class ProxySupport:
    """A server's proxy settings; ``connection_made`` fits each new connection."""

    __slots__ = ("trusted", "headers", "protocol", "timeout")

    def __init__(
        self, trusted: TrustedPeers, headers: bool, protocol: bool, timeout: float
    ) -> None:
        self.trusted = trusted
        self.headers = headers
        self.protocol = protocol
        self.timeout = timeout

    @classmethod
    def from_config(cls, config: Config) -> ProxySupport | None:
        """None unless ``proxy_headers`` or ``proxy_protocol`` is on."""
        if not (config.proxy_headers or config.proxy_protocol):
            return None
        try:
            trusted = TrustedPeers(config.forwarded_allow_ips)
        except ValueError as exc:
            raise StartupError(f"--forwarded-allow-ips: {exc}") from None
        return cls(
            trusted,
            config.proxy_headers,
            config.proxy_protocol,
            config.timeout_request_header,
        )

    def connection_made(self, connection: HttpConnection) -> None:
        """Called by a new connection; leaves it alone unless its peer is trusted."""
        if not self.trusted.peer(connection._client):
            return
        if self.protocol:
            _HeaderIntake(self, connection)
        elif self.headers:
            connection.proxy = ScopeFix(self.trusted, None)


class ScopeFix:
    """One connection's correction of each scope: forwarding headers, the PROXY extension."""

    __slots__ = ("trusted", "extension")

    def __init__(self, trusted: TrustedPeers | None, extension: dict[str, Any] | None) -> None:
        self.trusted = trusted  # None: forwarding headers are not read
        self.extension = extension

    def apply(self, scope: dict[str, Any], root_path: str, raw_root_path: bytes) -> None:
        """Correct ``scope`` in place; ``root_path`` is the server's, already in its paths."""
        if self.extension is not None:
            scope["extensions"][EXTENSION] = self.extension
        if self.trusted is None:
            return
        forwarded = read_forwarded(scope["headers"], self.trusted)
        if forwarded is None:
            return
        if forwarded.has_client:
            scope["client"] = forwarded.client
        if forwarded.secure is not None:
            if scope["type"] == "websocket":
                scope["scheme"] = "wss" if forwarded.secure else "ws"
            else:
                scope["scheme"] = "https" if forwarded.secure else "http"
        if forwarded.host is not None:
            scope["headers"] = _with_host(scope["headers"], forwarded.host)
        prefix = forwarded.prefix
        if prefix is not None:  # the prefix the proxy took off replaces --root-path
            size = len(root_path)
            scope["root_path"] = prefix + scope["root_path"][size:]
            scope["path"] = prefix + scope["path"][size:]
            scope["raw_path"] = (
                quote(prefix).encode("ascii") + scope["raw_path"][len(raw_root_path) :]
            )


def _with_host(headers: list[tuple[bytes, bytes]], host: bytes) -> list[tuple[bytes, bytes]]:
    fixed = [(b"host", host)]
    fixed.extend(pair for pair in headers if pair[0] != b"host")
    return fixed


class _HeaderIntake:
    """A trusted connection's first bytes, until its PROXY header is complete."""

    __slots__ = ("support", "connection", "reader", "timer", "peer")

    def __init__(self, support: ProxySupport, connection: HttpConnection) -> None:
        self.support = support
        self.connection = connection
        self.reader = ProxyHeaderReader()
        self.peer = connection._client
        connection._deadline = None  # the request-head deadline starts after the header
        self.timer: Timer | None = connection.state.clock.call_later(
            support.timeout, self._timed_out
        )
        connection.data_received = self.data_received  # type: ignore[method-assign]

    def data_received(self, data: bytes) -> None:
        connection = self.connection
        try:
            header = self.reader.feed(data)
        except ProxyProtocolError as error:
            self._reject(str(error))
            return
        if header is None:
            return
        self._stop_timer()
        del connection.data_received  # the connection's own method again: HTTP from here
        extension = _extension(header)
        if not header.local:
            connection._client = header.client
            if header.server is not None:
                connection._server = header.server
        if header.tls is not None:
            connection._scheme = "https"
        support = self.support
        trusted = None
        if support.headers and support.trusted.peer(connection._client):
            trusted = support.trusted
        connection.proxy = ScopeFix(trusted, extension)
        connection.expect_head()
        if self.reader.trailing:
            connection.data_received(self.reader.trailing)

    def _timed_out(self) -> None:
        self.timer = None
        if not self.connection._closing:
            self._reject("no complete header in time")

    def _reject(self, reason: str) -> None:
        self._stop_timer()
        peer = self.peer
        logger.warning(
            "PROXY protocol header from %s rejected: %s",
            f"{peer[0]}:{peer[1]}" if peer else "a Unix socket peer",
            reason,
        )
        self.connection.data_received = _ignore  # type: ignore[method-assign]
        self.connection.close()

    def _stop_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None


def _ignore(data: bytes) -> None:
    """Bytes after a rejected header: the connection is closing."""


def _extension(header: ProxyHeader) -> dict[str, Any]:
    """The scope's ``albany.proxy`` extension (``docs/spec.md``)."""
    tlvs = header.tlvs
    extension: dict[str, Any] = {
        "version": header.version,
        "local": header.local,
        "tls": header.tls,
        "tlvs": tlvs,
    }
    for kind, name in ((PP2_TYPE_ALPN, "alpn"), (PP2_TYPE_AUTHORITY, "authority")):
        if kind in tlvs:
            extension[name] = tlvs[kind].decode("utf-8", "replace")
    if PP2_TYPE_UNIQUE_ID in tlvs:
        extension["unique_id"] = tlvs[PP2_TYPE_UNIQUE_ID]
    return extension

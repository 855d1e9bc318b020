"""``--forwarded-allow-ips``: the peers whose forwarding information is believed.

Entries, comma separated: an IP address, a CIDR network (``10.0.0.0/8``, ``fd00::/8``),
``unix`` for peers on a Unix socket, or ``*`` for every peer. The default, as uvicorn's and
gunicorn's, is ``127.0.0.1`` (``Config`` takes the ``FORWARDED_ALLOW_IPS`` environment
variable when set). Unix-socket peers are trusted only with ``unix`` or ``*``.
"""

from __future__ import annotations

import ipaddress
from typing import Iterable, Union

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]

DEFAULT_ALLOW_IPS = "127.0.0.1"
UNIX_PEERS = "unix"


class TrustedPeers:
    """Answers "may this address speak for the client?"; raises ``ValueError`` on a bad entry."""

    __slots__ = ("everyone", "unix", "_addresses", "_networks")

    def __init__(self, entries: str | Iterable[str]) -> None:
        if isinstance(entries, str):
            entries = entries.split(",")
        self.everyone = False
        self.unix = False
        self._addresses: set[str] = set()
        self._networks: list[Network] = []
        for raw in entries:
            entry = raw.strip()
            if not entry:
                continue
            if entry == "*":
                self.everyone = True
            elif entry == UNIX_PEERS:
                self.unix = True
            elif "/" in entry:
                try:
                    self._networks.append(ipaddress.ip_network(entry, strict=False))
                except ValueError:
                    raise ValueError(f"not an IP network: {entry!r}") from None
            else:
                try:
                    self._addresses.add(str(ipaddress.ip_address(entry)))
                except ValueError:
                    raise ValueError(
                        f"not an IP address, a CIDR network, 'unix' or '*': {entry!r}"
                    ) from None

    def peer(self, client: tuple[str, int] | None) -> bool:
        """Whether the connection's peer is trusted; ``None`` is a Unix-socket peer."""
        if self.everyone:
            return True
        if client is None:
            return self.unix
        return self.address(client[0])

    def address(self, host: str) -> bool:
        """Whether an address named in a forwarding header is a trusted proxy."""
        if self.everyone:
            return True
        if host in self._addresses:
            return True
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False  # "unknown", an obfuscated name: never a trusted hop
        return str(address) in self._addresses or any(
            address in network for network in self._networks
        )

"""Server settings shared by every backend, the CLI and ``albany.run``."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from ssl import CERT_NONE, SSLContext
from typing import Literal

from albany.http1.limits import Limits
from albany.websocket.settings import WebSocketSettings

LoopName = Literal["auto", "asyncio", "uvloop", "twisted", "tornado"]
LifespanMode = Literal["auto", "on", "off"]


@dataclass
class Config:
    """Everything a server needs besides the app. Defaults are the CLI's."""

    host: str = "127.0.0.1"
    port: int = 8000
    uds: str | None = None
    fd: int | None = None
    loop: LoopName = "auto"
    interface: str = "auto"
    """What kind of app it is (``albany.app_kinds.INTERFACES``); ``auto`` detects it."""
    reactor: str | None = None
    root_path: str = ""
    lifespan: LifespanMode = "auto"
    timeout_keep_alive: float = 5.0
    timeout_request_header: float = 10.0
    timeout_graceful_shutdown: float | None = 30.0
    timeout_body: float = 30.0
    """Seconds a request body may stall (the client sending nothing): 408, or a close once
    the response has begun."""
    timeout_write: float = 60.0
    """Seconds the response may stay over ``high_water`` (the client reading nothing) before
    the connection is dropped."""
    max_pipelined_requests: int = 16
    """Requests read ahead while one is answered; beyond them reading pauses."""
    timeout_linger: float = 2.0
    """Seconds a connection closing after a response reads and discards what still comes."""
    linger_max_size: int = 65536
    """Bytes a connection closing after a response reads and discards before it closes."""
    timeout_lifespan_startup: float | None = 60.0
    """Seconds each app gets to answer ``lifespan.startup``; None or 0 waits without limit."""
    timeout_lifespan_shutdown: float | None = 60.0
    """Seconds each app gets to answer ``lifespan.shutdown``; None or 0 waits without limit."""
    limits: Limits = field(default_factory=Limits)
    access_log: bool = True
    log_level: str = "info"
    backlog: int = 2048
    threads: int | None = None
    """Size of the backend's thread pool (``run_in_thread``, WSGI apps); None keeps the default."""
    install_signal_handlers: bool = True
    high_water: int = 65536
    """Bytes buffered (request body in, response out) before flow control pushes back."""
    websocket: WebSocketSettings = field(default_factory=WebSocketSettings)
    """Limits, keepalive, timeouts and compression of WebSocket sessions."""
    ssl_certfile: str | None = None
    """PEM certificate (chain) to serve TLS with; its key too when ``ssl_keyfile`` is None."""
    ssl_keyfile: str | None = None
    """PEM private key of ``ssl_certfile``."""
    ssl_keyfile_password: str | None = None
    """Password of an encrypted ``ssl_keyfile``."""
    ssl_ca_certs: str | None = None
    """PEM CA certificates that client certificates are checked against."""
    ssl_cert_reqs: int = int(CERT_NONE)
    """Client certificates: ``ssl.CERT_NONE`` (0), ``CERT_OPTIONAL`` (1), ``CERT_REQUIRED`` (2)."""
    ssl: SSLContext | None = None
    """A ready server-side context, instead of the ``ssl_*`` files (not on Twisted)."""
    proxy_headers: bool = False
    """Take client, scheme, host and prefix from ``X-Forwarded-*``/``Forwarded`` headers
    sent by a trusted peer (``albany/proxy/forwarded.py``)."""
    proxy_protocol: bool = False
    """Expect a PROXY protocol header (v1 or v2) first on connections from trusted peers."""
    forwarded_allow_ips: str = field(
        default_factory=lambda: os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
    )
    """Trusted peers: IPs, CIDR networks, ``unix``, ``*``, comma separated."""

    @property
    def is_ssl(self) -> bool:
        """Whether the server speaks TLS (``https``/``wss``)."""
        return self.ssl is not None or self.ssl_certfile is not None

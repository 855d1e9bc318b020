"""Server settings shared by every backend, the CLI and ``albany.run``."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from ssl import CERT_NONE, SSLContext
from typing import TYPE_CHECKING, Callable, Literal, Union

from albany.http1.limits import Limits
from albany.settings_check import at_least, between, one_of
from albany.websocket.settings import WebSocketSettings

LoopName = Literal["auto", "asyncio", "uvloop", "twisted", "tornado"]
LifespanMode = Literal["auto", "on", "off"]

if TYPE_CHECKING:
    from albany.gateway.server_state import ServerState


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
    # worker processes (albany/workers/)
    workers: Union[int, Literal["auto"], None] = None
    """Worker processes under a supervisor (``auto``: one per CPU); None serves in this one."""
    max_requests: int | None = None
    """A worker is replaced, gracefully, after this many requests (with ``workers``)."""
    max_requests_jitter: int = 0
    """Up to this many more requests, drawn per worker, so workers do not recycle at once."""
    timeout_worker_healthcheck: float = 30.0
    """Seconds a worker's loop may go without a heartbeat before it is killed and replaced;
    0 turns the check off."""
    on_serving: Callable[[ServerState], object] | None = None
    """Called with the server's state once it accepts connections (a worker's heartbeat)."""

    # operations
    limit_concurrency: int | None = None
    """Connections allowed at once; a request arriving on one more is answered 503."""
    headers: list[tuple[str, str]] = field(default_factory=list)
    """Default response headers (NAME, VALUE), on every response; a ``server`` or ``date``
    here replaces Albany's own."""
    server_header: bool = True
    """Send ``server: albany`` unless the app sends its own."""
    date_header: bool = True
    """Send a ``date`` header unless the app sends its own."""
    access_log_format: str | None = None
    """The access log line with gunicorn-style atoms (``albany/gateway/access.py``); None
    keeps Albany's own line."""

    def __post_init__(self) -> None:
        between("port", self.port, 0, 65535)
        at_least("fd", self.fd, 0, optional=True)
        at_least("threads", self.threads, 1, optional=True)
        at_least("backlog", self.backlog, 1)
        at_least("high_water", self.high_water, 1)
        at_least("timeout_keep_alive", self.timeout_keep_alive, 0)
        at_least("timeout_request_header", self.timeout_request_header, 0)
        at_least("timeout_graceful_shutdown", self.timeout_graceful_shutdown, 0, optional=True)
        at_least("timeout_lifespan_startup", self.timeout_lifespan_startup, 0, optional=True)
        at_least("timeout_lifespan_shutdown", self.timeout_lifespan_shutdown, 0, optional=True)
        one_of("ssl_cert_reqs", self.ssl_cert_reqs, (0, 1, 2))
        one_of("lifespan", self.lifespan, ("auto", "on", "off"))
        one_of("log_level", self.log_level, ("critical", "error", "warning", "info", "debug"))
        if self.workers != "auto":
            at_least("workers", self.workers, 1, optional=True)
        at_least("max_requests", self.max_requests, 1, optional=True)
        at_least("max_requests_jitter", self.max_requests_jitter, 0)
        at_least("timeout_worker_healthcheck", self.timeout_worker_healthcheck, 0)
        at_least("limit_concurrency", self.limit_concurrency, 1, optional=True)
        at_least("timeout_body", self.timeout_body, 0, optional=True)
        at_least("timeout_write", self.timeout_write, 0, optional=True)
        at_least("max_pipelined_requests", self.max_pipelined_requests, 1)
        at_least("timeout_linger", self.timeout_linger, 0)
        at_least("linger_max_size", self.linger_max_size, 0)

    @property
    def is_ssl(self) -> bool:
        """Whether the server speaks TLS (``https``/``wss``)."""
        return self.ssl is not None or self.ssl_certfile is not None

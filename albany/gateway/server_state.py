"""What every connection of one server shares: its endpoints, settings and connections."""

from __future__ import annotations

from email.utils import formatdate
from typing import TYPE_CHECKING, Callable
from urllib.parse import quote

from albany.config import Config
from albany.errors import StartupError
from albany.gateway.endpoints import Endpoints, RunnerFor
from albany.gateway.interfaces import Clock
from albany.gateway.lifespan import LifespanGroup
from albany.http1.writer import default_header_lines
from albany.proxy.hook import ProxySupport
from albany.types import App, BackendName

if TYPE_CHECKING:
    from albany.gateway.connection import HttpConnection

SERVER_HEADER = b"server: albany\r\n"
_UNREAD = object()


class ServerState:
    """Shared by the connections of one server; the backend owns it."""

    def __init__(
        self,
        app: App,
        runner_for: RunnerFor,
        clock: Clock,
        config: Config,
        backend: BackendName,
    ) -> None:
        self.endpoints = Endpoints(app, runner_for, backend)
        self.clock = clock
        self.config = config
        self.limits = config.limits
        self.root_path = config.root_path.rstrip("/")
        self.raw_root_path = quote(self.root_path).encode("ascii")
        self.access_log = config.access_log
        self.proxy = ProxySupport.from_config(config)  # None: no proxy options, no cost
        self.connections: set[HttpConnection] = set()
        self.shutting_down = False
        self._on_idle: Callable[[None], None] | None = None
        self._date_second = -1
        self._static_headers, self._date_header = _static_headers(config)
        self._default_headers = self._static_headers
        self.limit_concurrency = config.limit_concurrency
        self.rejected = 0
        """Requests answered 503 for being over ``limit_concurrency``."""
        self.access_format = config.access_log_format  # None: Albany's own line
        self._tls_server_cert: object = _UNREAD

    def lifespan(self) -> LifespanGroup:
        """The lifespan of every app this server serves."""
        config = self.config
        return LifespanGroup(
            self.endpoints.served,
            config.lifespan,
            self.clock,
            config.timeout_lifespan_startup,
            config.timeout_lifespan_shutdown,
        )

    def tls_server_cert(self) -> str | None:
        """The PEM certificate this server sends, from ``ssl_certfile`` (read once)."""
        if self._tls_server_cert is _UNREAD:
            from albany.gateway.tls import server_cert_from_file

            self._tls_server_cert = server_cert_from_file(self.config.ssl_certfile)
        return self._tls_server_cert  # type: ignore[return-value]

    def default_headers(self) -> bytes:
        """``server``, ``--header`` and ``date`` header lines, the date refreshed once a second."""
        if not self._date_header:
            return self._static_headers
        now = int(self.clock.wall_time())
        if now != self._date_second:
            self._date_second = now
            date = formatdate(now, usegmt=True).encode("ascii")
            self._default_headers = self._static_headers + b"date: " + date + b"\r\n"
        return self._default_headers

    def begin_shutdown(self, on_idle: Callable[[None], None]) -> None:
        """Close idle connections, let busy ones finish; ``on_idle(None)`` once none is left."""
        self.shutting_down = True
        self._on_idle = on_idle
        for connection in list(self.connections):
            connection.shutdown()
        self._check_idle()

    def force_close(self) -> None:
        """Close every connection now (the graceful timeout ran out)."""
        for connection in list(self.connections):
            connection.abort()

    def connection_closed(self, connection: HttpConnection) -> None:
        self.connections.discard(connection)
        if self.shutting_down:
            self._check_idle()

    def _check_idle(self) -> None:
        if not self.connections and self._on_idle is not None:
            callback, self._on_idle = self._on_idle, None
            callback(None)


def _static_headers(config: Config) -> tuple[bytes, bool]:
    """The default header lines that never change, made once; and whether a date follows."""
    try:
        lines = default_header_lines(config.headers)
    except ValueError as exc:
        raise StartupError(f"--header: {exc}") from None
    names = {name.lower() for name, _ in config.headers}
    server = SERVER_HEADER if config.server_header and "server" not in names else b""
    return server + lines, config.date_header and "date" not in names

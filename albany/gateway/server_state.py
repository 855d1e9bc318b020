"""What every connection of one server shares: its endpoints, settings and connections."""

from __future__ import annotations

import logging
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

logger = logging.getLogger("albany.error")


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
        self.cancelled = 0
        """Requests cut short by ``force_close`` (a graceful shutdown that ran out of time)."""
        self.requests_served = 0
        self.request_limit: int | None = None
        """``on_request_limit()`` is called when the request this many starts (max-requests)."""
        self.on_request_limit: Callable[[], None] | None = None
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

    def serving(self) -> None:
        """The backend accepts connections now: tell ``config.on_serving`` (worker heartbeat)."""
        if self.config.on_serving is not None:
            self.config.on_serving(self)

    def count_request(self) -> None:
        """One more request started; past ``request_limit``, ``on_request_limit()`` once."""
        self.requests_served += 1
        if self.requests_served == self.request_limit and self.on_request_limit is not None:
            self.on_request_limit()

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
        """Close idle connections, let busy ones finish; ``on_idle(None)`` once none is left.

        Says how many connections it waits for, and for how long.
        """
        self.shutting_down = True
        self._on_idle = on_idle
        for connection in list(self.connections):
            connection.shutdown()
        busy = sum(1 for connection in self.connections if connection.busy)
        if busy:
            limit = self.config.timeout_graceful_shutdown
            within = "with no time limit" if limit is None else f"for up to {limit:g} s"
            plural = "" if busy == 1 else "s"
            logger.info("Waiting %s for %d connection%s to finish", within, busy, plural)
        self._check_idle()

    def force_close(self, why: str = "Graceful shutdown timed out") -> None:
        """Close every connection now, one log line per request cut short."""
        for connection in list(self.connections):
            request = connection.request_in_flight()
            if request is not None:
                self.cancelled += 1
                target = request.raw_path.decode("latin-1")
                logger.warning("%s: cancelled %s %s", why, request.method, target)
            connection.abort()

    def exit_status(self, shutdown_failure: str | None) -> int:
        """The process's exit status after a stop: 1 when lifespan shutdown failed or
        requests were cut short, else 0."""
        return 1 if shutdown_failure is not None or self.cancelled else 0

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

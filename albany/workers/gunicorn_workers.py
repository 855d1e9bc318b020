"""gunicorn worker classes: ``gunicorn -k albany.workers.UvloopWorker myproject.web:app``.

Each worker serves the app (any kind Albany detects) exactly as ``albany APP`` does, on the
listening socket gunicorn bound, and maps gunicorn's settings onto ``Config``
(``gunicorn_config``); a setting Albany cannot honour is refused with a ``StartupError``
naming it, and the worker exits as one that failed to boot, so gunicorn stops.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import sys
from typing import Any, ClassVar

from gunicorn.workers.base import Worker

from albany.config import Config, LoopName
from albany.errors import StartupError
from albany.gateway.access import check_format
from albany.gateway.server_state import ServerState
from albany.http1.limits import Limits
from albany.importer import import_from_string
from albany.workers.heartbeat import start_heartbeat

BOOT_ERROR = 3
"""gunicorn's ``Arbiter.WORKER_BOOT_ERROR``: the arbiter stops instead of retrying."""
GUNICORN_DEFAULTS = {
    "worker_connections": 1000,
    "limit_request_field_size": 8190,
    "access_log_format": '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"',
}
_PLAIN_TARGET = re.compile(r"[\w.]+:[\w.]+")


def _addresses(value: Any) -> str:
    """gunicorn's address list (a list, or a comma-separated string) as Albany's string."""
    if isinstance(value, str):
        return value
    return ",".join(str(item) for item in value)


def gunicorn_config(cfg: Any, sock: socket.socket, loop: LoopName, reactor: str | None) -> Config:
    """The ``Config`` gunicorn's settings ``cfg`` describe, serving on ``sock``.

    Raises ``StartupError`` for a setting that cannot apply.
    """
    # worker_connections, when set, is each worker's --limit-concurrency (a 503 beyond it);
    # access_log_format, when set, is --access-log-format (gunicorn's atoms, the same names).
    limit_concurrency = None
    if cfg.worker_connections != GUNICORN_DEFAULTS["worker_connections"]:
        limit_concurrency = int(cfg.worker_connections)
    access_format = None
    if cfg.access_log_format != GUNICORN_DEFAULTS["access_log_format"]:
        access_format = cfg.access_log_format
        try:
            check_format(access_format)
        except (KeyError, ValueError, TypeError) as exc:
            raise StartupError(f"access_log_format cannot apply: {exc!r}") from exc
    limits = Limits()
    field_size = cfg.limit_request_field_size
    if 0 < field_size < GUNICORN_DEFAULTS["limit_request_field_size"]:
        raise StartupError(
            "limit_request_field_size below its default cannot apply: Albany bounds the "
            f"whole request head ({limits.max_header_size} bytes), not each field"
        )
    head_size = max(limits.max_header_size, field_size)
    proxy_protocol = str(cfg.proxy_protocol).lower() not in ("off", "false", "none", "0")
    if str(cfg.proxy_protocol).lower() in ("v1", "v2"):
        raise StartupError(
            f"proxy_protocol {cfg.proxy_protocol} cannot apply: Albany reads v1 and v2 "
            "alike; use proxy_protocol auto"
        )
    trusted = _addresses(cfg.forwarded_allow_ips)
    if proxy_protocol and _addresses(cfg.proxy_allow_ips) != trusted:
        raise StartupError(
            "proxy_allow_ips must equal forwarded_allow_ips: Albany trusts one list of peers "
            "for both PROXY headers and forwarding headers"
        )
    if sock.family == socket.AF_UNIX:
        trusted += ",unix"  # as gunicorn, which trusts Unix-socket peers
    return Config(
        fd=os.dup(sock.fileno()),
        loop=loop,
        reactor=reactor,
        backlog=cfg.backlog,
        timeout_keep_alive=float(cfg.keepalive),
        timeout_graceful_shutdown=float(cfg.graceful_timeout),
        limits=Limits(
            max_request_line=cfg.limit_request_line or head_size,
            max_header_size=head_size,
            max_header_count=cfg.limit_request_fields,
        ),
        access_log=cfg.accesslog is not None,
        access_log_format=access_format,
        limit_concurrency=limit_concurrency,
        log_level=cfg.loglevel,
        threads=cfg.threads if cfg.threads > 1 else None,
        ssl_certfile=cfg.certfile,
        ssl_keyfile=cfg.keyfile,
        ssl_ca_certs=cfg.ca_certs,
        ssl_cert_reqs=int(cfg.cert_reqs),
        proxy_headers=True,
        proxy_protocol=proxy_protocol,
        forwarded_allow_ips=trusted,
    )


class AlbanyWorker(Worker):  # type: ignore[misc]
    """A gunicorn worker serving its app with Albany on ``loop`` (and ``reactor``)."""

    alive: bool
    max_requests: int

    loop: ClassVar[LoopName] = "asyncio"
    reactor: ClassVar[str | None] = None

    def init_signals(self) -> None:
        """gunicorn's signals, except SIGTERM and SIGINT: Albany's loop handles those
        (graceful shutdown within ``graceful_timeout``)."""
        for signum in self.SIGNALS:
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGQUIT, self.handle_quit)
        signal.signal(signal.SIGUSR1, self.handle_usr1)
        signal.signal(signal.SIGABRT, self.handle_abort)
        signal.signal(signal.SIGWINCH, self.handle_winch)

    def handle_abort(self, sig: int, frame: Any) -> None:
        """gunicorn's timeout (SIGABRT): exit now. gunicorn's own ``sys.exit`` would raise
        inside the app the loop is blocked in, and an app error does not stop a server."""
        self.alive = False
        self.cfg.worker_abort(self)
        os._exit(1)

    def load_wsgi(self) -> None:
        """The app by ``MODULE:ATTR`` with Albany's importer, so that kinds gunicorn would
        refuse as not callable (a ``twisted.web`` resource) load too; other forms (a factory
        call) go through gunicorn's loader."""
        target = getattr(self.app, "app_uri", None)
        if isinstance(target, str) and _PLAIN_TARGET.fullmatch(target):
            self.wsgi = import_from_string(target)
        else:
            super().load_wsgi()

    def run(self) -> None:
        """Serve until gunicorn's SIGTERM (graceful) or SIGQUIT (at once)."""
        from albany.serving import prepare, serve

        try:
            if len(self.sockets) != 1:
                raise StartupError(
                    f"Albany's gunicorn workers serve one listening socket, not "
                    f"{len(self.sockets)}: give one --bind"
                )
            config = gunicorn_config(self.cfg, self.sockets[0].sock, self.loop, self.reactor)
            config.on_serving = self._serving
            self._route_logs(config)
            status = serve(self.wsgi, config, prepare(config).loop)
        except StartupError as exc:
            self.log.error("Albany worker cannot start: %s", exc)
            sys.exit(BOOT_ERROR)
        if status:
            sys.exit(status)

    def _route_logs(self, config: Config) -> None:
        """Albany's loggers write through gunicorn's (its files, format and level)."""
        for name, target in (("albany.error", self.log.error_log), ("albany.access", None)):
            logger = logging.getLogger(name)
            source = target if target is not None else self.log.access_log
            logger.handlers[:] = list(source.handlers)
            logger.setLevel(self.log.error_log.level if name == "albany.error" else logging.INFO)
            logger.propagate = False
        logging.getLogger("albany.access").disabled = not config.access_log

    def _serving(self, state: ServerState) -> None:
        if self.max_requests < sys.maxsize:
            state.request_limit = self.max_requests
            state.on_request_limit = self._recycle
        # gunicorn's ``timeout / 2``; ``--timeout 0`` turns its check off, not our beat
        start_heartbeat(state, self.timeout if self.timeout > 0 else 1.0, self._beat)

    def _beat(self) -> None:
        self.notify()
        if self.ppid != os.getppid():  # the arbiter is gone
            self.log.info("Parent changed, shutting down: %s", self)
            self._stop()

    def _recycle(self) -> None:
        self.log.info("Autorestarting worker after current request.")
        self._stop()

    def _stop(self) -> None:
        if self.alive:
            self.alive = False
            os.kill(os.getpid(), signal.SIGTERM)


class UvloopWorker(AlbanyWorker):
    """Albany on uvloop."""

    loop = "uvloop"


class AsyncioWorker(AlbanyWorker):
    """Albany on the standard library's asyncio loop."""

    loop = "asyncio"


class TwistedWorker(AlbanyWorker):
    """Albany on Twisted's epoll reactor."""

    loop = "twisted"
    reactor = "epoll"


class TwistedAsyncioWorker(AlbanyWorker):
    """Albany on Twisted's asyncio reactor (Twisted and asyncio apps on one loop)."""

    loop = "twisted"
    reactor = "asyncio"


class TornadoWorker(AlbanyWorker):
    """Albany on Tornado's IOLoop."""

    loop = "tornado"

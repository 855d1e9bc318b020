"""Own a Twisted reactor: serve until SIGINT/SIGTERM, then stop gracefully.

A signal stops the reactor once; Albany's shutdown runs as a "before shutdown" trigger,
so in-flight requests finish first. A second signal cuts them short.
"""

from __future__ import annotations

import logging
import signal
import socket
from typing import Any

from twisted.python.failure import Failure

from albany.backends.twisted.server import TwistedServer
from albany.config import Config
from albany.errors import StartupError
from albany.types import App

logger = logging.getLogger("albany.error")


def serve(app: App, config: Config, reactor: Any, sock: socket.socket | None = None) -> int:
    """Serve ``app`` on ``reactor`` until a signal; return the exit status.

    The status is 1 when lifespan shutdown failed or requests were cut short, else 0.
    """
    server = TwistedServer(app, config, sock, reactor)
    failures: list[BaseException] = []

    def started(_: Any) -> None:
        reactor.addSystemEventTrigger("before", "shutdown", server.stop)
        running.append(True)
        if stopping:  # a signal came during start-up: stop now that shutdown can run
            reactor.stop()

    def failed(failure: Failure) -> None:
        failures.append(failure.value or RuntimeError("start-up failed"))
        stopping.append(True)
        reactor.stop()

    stopping: list[bool] = []
    running: list[bool] = []

    def stop_once() -> None:
        if reactor.running and not failures and not stopping:
            logger.info("Shutting down (Ctrl-C again to stop at once)")
            stopping.append(True)
            server.stop_requested = True
            if running:
                reactor.stop()
            # else: start-up is under way (lifespan); ``started`` stops once it is over
        elif stopping and running and server.state is not None:
            server.state.force_close("Stopping at once")

    def on_signal(signum: int, frame: Any) -> None:
        reactor.callFromThread(stop_once)

    if config.install_signal_handlers:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, on_signal)
    reactor.callWhenRunning(lambda: server.start().addCallbacks(started, failed))
    reactor.run(installSignalHandlers=False)
    if failures:
        error = failures[0]
        if isinstance(error, StartupError):
            raise error
        raise StartupError(f"Start-up failed: {error!r}") from error
    return server.exit_status()

"""An Albany server on a running asyncio loop: start, serve, stop gracefully."""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

from albany.backends.asyncio.clock import AsyncioClock
from albany.backends.asyncio.protocol import HttpProtocol
from albany.backends.asyncio.runner import runner_for, size_thread_pool, wait_for_callback
from albany.config import Config
from albany.errors import StartupError
from albany.gateway.lifespan import LifespanGroup
from albany.gateway.server_state import ServerState
from albany.sockets import bind_sockets, describe, ssl_context
from albany.types import App, BackendName

logger = logging.getLogger("albany.error")


def backend_name(loop: asyncio.AbstractEventLoop) -> BackendName:
    return "uvloop" if type(loop).__module__.startswith("uvloop") else "asyncio"


async def settle_accepted() -> None:
    """Let connections accepted just before the listener closed reach ``connection_made``
    (asyncio makes their transport in a task, then calls the protocol soon after), so that
    shutdown sees them instead of finishing without them."""
    for _ in range(3):
        await asyncio.sleep(0)


class AsyncioServer:
    """Serves one app inside an already running asyncio loop (stdlib or uvloop)."""

    def __init__(
        self, app: App, config: Config | None = None, sock: socket.socket | None = None
    ) -> None:
        self.app = app
        self.config = config or Config()
        self._sock = sock
        self._servers: list[asyncio.base_events.Server] = []
        self._lifespan: LifespanGroup | None = None
        self.state: ServerState | None = None
        self.shutdown_failure: str | None = None
        """Why lifespan shutdown failed once ``stop`` has run; None when it succeeded."""
        self.stop_requested = False
        """Set when a stop is asked for during ``start``: start-up then ends without listening."""

    def exit_status(self) -> int:
        """After ``stop``: 1 when lifespan shutdown failed or requests were cut short, else 0."""
        if self.state is None:
            return 0 if self.shutdown_failure is None else 1
        return self.state.exit_status(self.shutdown_failure)

    @property
    def sockets(self) -> list[socket.socket]:
        """The listening sockets (empty before ``start``)."""
        return [sock for server in self._servers for sock in server.sockets]

    async def start(self) -> None:
        """Bind, run lifespan start-up, then accept. Raises ``StartupError``."""
        context = ssl_context(self.config)
        socks = [self._sock] if self._sock is not None else bind_sockets(self.config)
        loop = asyncio.get_running_loop()
        config = self.config
        size_thread_pool(loop, config.threads)
        state = ServerState(
            self.app,
            lambda flavour: runner_for(flavour, loop),
            AsyncioClock(loop),
            config,
            backend_name(loop),
        )
        self.state = state
        self._lifespan = state.lifespan()
        failure = await wait_for_callback(self._lifespan.startup)
        if failure is not None:
            for sock in socks:
                sock.close()
            raise StartupError(f"Application startup failed: {failure}")
        if self.stop_requested:  # a signal came during start-up: stop without listening
            for sock in socks:
                sock.close()
            return
        for sock in socks:
            server = await loop.create_server(
                lambda: HttpProtocol(state), sock=sock, backlog=config.backlog, ssl=context
            )
            self._servers.append(server)
            where = describe(sock, tls=context is not None)
            logger.info("Albany serving on %s (%s)", where, backend_name(loop))
        state.serving()

    async def stop(self) -> None:
        """Stop accepting, finish in-flight requests, close idle connections, shut down.

        A failed lifespan shutdown is logged and kept in ``shutdown_failure``.
        """
        state = self.state
        for server in self._servers:
            server.close()
        if self._servers:
            await settle_accepted()
        if state is not None:
            timeout = self.config.timeout_graceful_shutdown
            try:
                await asyncio.wait_for(wait_for_callback(state.begin_shutdown), timeout)
            except asyncio.TimeoutError:
                logger.warning("Graceful shutdown timed out; closing connections")
                state.force_close()
        if self._lifespan is not None:
            failure: Any = await wait_for_callback(self._lifespan.shutdown)
            if failure is not None:
                self.shutdown_failure = failure
                logger.error("Application shutdown failed: %s", failure)

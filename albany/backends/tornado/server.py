"""An Albany server on Tornado's IOLoop: start, serve, stop gracefully."""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
from typing import Any

from tornado.ioloop import IOLoop
from tornado.iostream import IOStream
from tornado.tcpserver import TCPServer

from albany.backends.asyncio.runner import size_thread_pool, wait_for_callback
from albany.backends.asyncio.server import settle_accepted
from albany.backends.tornado.clock import TornadoClock
from albany.backends.tornado.protocol import HttpProtocol
from albany.backends.tornado.runner import runner_for
from albany.config import Config
from albany.errors import StartupError
from albany.gateway.lifespan import LifespanGroup
from albany.gateway.server_state import ServerState
from albany.sockets import bind_sockets, describe, ssl_context
from albany.types import App

logger = logging.getLogger("albany.error")


class AlbanyTCPServer(TCPServer):
    """Tornado's ``TCPServer`` handing each stream to an ``HttpProtocol`` (TLS with a context)."""

    def __init__(self, state: ServerState, ssl_options: ssl.SSLContext | None = None) -> None:
        super().__init__(ssl_options=ssl_options)
        self.state = state

    async def handle_stream(self, stream: IOStream, address: Any) -> None:
        await HttpProtocol(self.state, stream, address).read_until_closed()


class TornadoServer:
    """Serves one app inside a running Tornado IOLoop."""

    def __init__(
        self, app: App, config: Config | None = None, sock: socket.socket | None = None
    ) -> None:
        self.app = app
        self.config = config or Config()
        self._sock = sock
        self._tcp: AlbanyTCPServer | None = None
        self._lifespan: LifespanGroup | None = None
        self.state: ServerState | None = None
        self.shutdown_failure: str | None = None
        """Why lifespan shutdown failed once ``stop`` has run; None when it succeeded."""
        self.stop_requested = False
        """Set when a stop is asked for during ``start``: start-up then ends without listening."""
        self.sockets: list[socket.socket] = []

    def exit_status(self) -> int:
        """After ``stop``: 1 when lifespan shutdown failed or requests were cut short, else 0."""
        if self.state is None:
            return 0 if self.shutdown_failure is None else 1
        return self.state.exit_status(self.shutdown_failure)

    async def start(self) -> None:
        """Bind, run lifespan start-up, then accept. Raises ``StartupError``."""
        context = ssl_context(self.config)
        socks = [self._sock] if self._sock is not None else bind_sockets(self.config)
        io_loop = IOLoop.current()
        config = self.config
        size_thread_pool(io_loop.asyncio_loop, config.threads)  # type: ignore[attr-defined]
        state = ServerState(
            self.app,
            lambda flavour: runner_for(flavour, io_loop),
            TornadoClock(io_loop),
            config,
            "tornado",
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
        self._tcp = AlbanyTCPServer(state, context)
        self._tcp.add_sockets(socks)
        self.sockets = socks
        for sock in socks:
            where = describe(sock, tls=context is not None)
            logger.info("Albany serving on %s (tornado)", where)
        state.serving()

    async def stop(self) -> None:
        """Stop accepting, finish in-flight requests, close idle connections, shut down.

        A failed lifespan shutdown is logged and kept in ``shutdown_failure``.
        """
        state = self.state
        if self._tcp is not None:
            self._tcp.stop()
            self._tcp = None
            await settle_accepted()  # handle_stream runs as a task
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

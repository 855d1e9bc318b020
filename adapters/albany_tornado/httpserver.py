"""A drop-in ``tornado.httpserver.HTTPServer`` that serves through Albany's core.

Change ``from tornado.httpserver import HTTPServer`` to
``from albany_tornado import HTTPServer`` and the start-up script stays as it is:
``listen``, ``bind``/``start``, ``add_sockets``/``add_socket``, ``stop`` and
``close_all_connections`` work as in Tornado, on whatever asyncio loop is running
(stdlib or uvloop). ``backend="tornado"`` serves through Albany's Tornado backend
instead, and ``backend="twisted"`` through its Twisted backend on Twisted's asyncio
reactor, installed on the running loop if no reactor is installed yet.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import replace
from typing import Any, Awaitable, Callable, Literal, Protocol

from tornado import httputil
from tornado.ioloop import IOLoop
from tornado.tcpserver import TCPServer

from albany.config import Config
from albany_tornado.application import TornadoApp
from albany_tornado.callback import as_delegate
from albany_tornado.options import ServerOptions
from albany_tornado.quiet import QUIET_START
from albany_tornado.tls import apply_ssl_options

Backend = Literal["asyncio", "tornado", "twisted"]


class _Served(Protocol):
    """One Albany server over one listening socket, whichever backend it is."""

    def start(self) -> Awaitable[None]: ...
    def stop(self) -> Awaitable[None]: ...


class HTTPServer(TCPServer):
    """``tornado.httpserver.HTTPServer``'s constructor and methods, served by Albany.

    Applied options: ``no_keep_alive``, ``xheaders``, ``protocol``,
    ``decompress_request``, ``chunk_size``, ``max_header_size``,
    ``idle_connection_timeout`` (Albany's keep-alive and request-header timeouts),
    ``max_body_size``, ``max_buffer_size`` (the body limit when ``max_body_size`` is not
    given), ``trusted_downstream``, ``ssl_options`` (an ``ssl.SSLContext`` or Tornado's
    dict form; on the Twisted backend the dict of certificate files only), ``body_timeout``.
    """

    def __init__(
        self,
        request_callback: httputil.HTTPServerConnectionDelegate
        | Callable[[httputil.HTTPServerRequest], None],
        no_keep_alive: bool = False,
        xheaders: bool = False,
        ssl_options: Any = None,
        protocol: str | None = None,
        decompress_request: bool = False,
        chunk_size: int | None = None,
        max_header_size: int | None = None,
        idle_connection_timeout: float | None = None,
        body_timeout: float | None = None,
        max_body_size: int | None = None,
        max_buffer_size: int | None = None,
        trusted_downstream: list[str] | None = None,
        *,
        backend: Backend = "asyncio",
        config: Config | None = None,
    ) -> None:
        super().__init__(
            ssl_options=ssl_options, max_buffer_size=max_buffer_size, read_chunk_size=chunk_size
        )
        self.request_callback = request_callback
        self.xheaders = xheaders
        self.protocol = protocol
        self.backend = backend
        options = ServerOptions.from_tornado(
            xheaders=xheaders,
            protocol=protocol,
            trusted_downstream=trusted_downstream,
            decompress_request=decompress_request,
            chunk_size=chunk_size,
            max_body_size=max_body_size,
            max_buffer_size=max_buffer_size,
            no_keep_alive=no_keep_alive,
            body_timeout=body_timeout,
        )
        self.app = TornadoApp(as_delegate(request_callback), options)
        self.config = _config(config, max_header_size, idle_connection_timeout)
        if ssl_options is not None:
            apply_ssl_options(self.config, ssl_options, backend)
        self._servers: list[_Served] = []
        self._starting: list[asyncio.Task[None]] = []
        self._stopping: list[asyncio.Task[None]] = []

    def add_sockets(self, sockets: Any) -> None:
        """Serve on these listening sockets (from ``tornado.netutil.bind_sockets``).

        As in Tornado this may be called before the loop runs (``IOLoop.current()`` is the
        loop served on); the servers start once it does.
        """
        loop = IOLoop.current().asyncio_loop  # type: ignore[attr-defined]
        for sock in sockets:
            QUIET_START.add(sock)
            served = self._server_for(sock, loop)
            self._servers.append(served)
            self._starting.append(loop.create_task(_started(served)))

    def stop(self) -> None:
        """Stop accepting; in-flight requests finish, idle keep-alive connections close.

        Unlike Tornado's ``stop``, connections do not stay open after their current
        request: Albany's graceful shutdown closes them. Await
        ``close_all_connections()`` to wait for that.
        """
        servers, self._servers = self._servers, []
        loop = IOLoop.current().asyncio_loop  # type: ignore[attr-defined]
        for served in servers:
            self._stopping.append(loop.create_task(self._stop(served)))

    async def close_all_connections(self) -> None:
        """Wait until every connection of the stopped servers has closed, and the
        WebSocket sessions they carried have ended (``on_close`` has run)."""
        if self._servers:
            self.stop()
        while self._stopping:
            await self._stopping.pop()
        if self.app.sessions:
            await asyncio.wait(set(self.app.sessions))

    async def _stop(self, served: _Served) -> None:
        starting = [task for task in self._starting if not task.done()]
        if starting:
            await asyncio.wait(starting)
        await served.stop()

    def handle_stream(self, stream: Any, address: Any) -> None:
        raise RuntimeError("Albany accepts the connections; Tornado's IOStream is not used")

    def _server_for(self, sock: socket.socket, loop: asyncio.AbstractEventLoop) -> _Served:
        sock.setblocking(False)
        if self.backend == "asyncio":
            from albany.backends.asyncio.server import AsyncioServer

            return AsyncioServer(self.app, self.config, sock)
        if self.backend == "tornado":
            from albany.backends.tornado.server import TornadoServer

            return TornadoServer(self.app, self.config, sock)
        if self.backend == "twisted":
            return _TwistedServed(self.app, self.config, sock, loop)
        raise ValueError(f"Unknown backend {self.backend!r}; choose asyncio, tornado or twisted")


class _TwistedServed:
    """Albany's Twisted backend on the asyncio reactor over the running loop."""

    def __init__(
        self, app: TornadoApp, config: Config, sock: socket.socket, loop: asyncio.AbstractEventLoop
    ) -> None:
        from albany.backends.twisted.reactors import asyncio_reactor_on, start_hosted_reactor
        from albany.backends.twisted.server import TwistedServer

        self._loop = loop
        reactor = asyncio_reactor_on(self._loop)
        start_hosted_reactor(reactor)
        self._server = TwistedServer(app, config, sock, reactor)

    def start(self) -> Awaitable[None]:
        started: Awaitable[None] = self._server.start().asFuture(self._loop)
        return started

    def stop(self) -> Awaitable[None]:
        stopped: Awaitable[None] = self._server.stop().asFuture(self._loop)
        return stopped


async def _started(served: _Served) -> None:
    await served.start()


def _config(
    config: Config | None, max_header_size: int | None, idle_timeout: float | None
) -> Config:
    """Albany's settings for the server: Tornado apps log their own requests, have no lifespan."""
    if config is None:
        config = Config(lifespan="off", access_log=False, install_signal_handlers=False)
    else:
        config = replace(config)  # the caller's stays as it was
    if max_header_size is not None:
        config.limits = replace(config.limits, max_header_size=max_header_size)
    if idle_timeout is not None:
        config.timeout_keep_alive = idle_timeout
        config.timeout_request_header = idle_timeout
    return config

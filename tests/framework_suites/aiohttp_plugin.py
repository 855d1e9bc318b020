"""pytest plugin: aiohttp's own tests with Albany in place of aiohttp's server.

``-p tests.framework_suites.aiohttp_plugin`` with ``ALBANY_AIOHTTP_SIDE`` set to
``asyncio`` or ``twisted`` makes every ``TestServer`` (what the ``aiohttp_server`` and
``aiohttp_client`` fixtures build for an application) an ``AlbanyTestServer``: the
application is served by Albany's server on the test's own loop — an ``AsyncioServer``,
or a ``TwistedServer`` on a Twisted asyncio reactor made over that loop. Raw-handler
servers (``RawTestServer``) stay aiohttp's: Albany serves applications.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
from typing import Any

from aiohttp import test_utils, web
from yarl import URL

from albany import Config
from albany_aiohttp import aiohttp_app
from albany_aiohttp.application import AiohttpApp

SIDE = os.environ.get("ALBANY_AIOHTTP_SIDE", "asyncio")
_ALBANY_SETTINGS = frozenset(("handler_cancellation", "shutdown_timeout"))
"""``start_server`` keywords (``AppRunner``'s) that are Albany's; the rest are aiohttp's."""


class _Serving:
    """An Albany server started on the running loop, on ``SIDE``'s backend."""

    def __init__(self, app: AiohttpApp, config: Config, sock: socket.socket) -> None:
        self.app = app
        self._reactor: Any = None
        if SIDE == "twisted":
            from twisted.internet.asyncioreactor import AsyncioSelectorReactor

            from albany.backends.twisted.reactors import start_hosted_reactor
            from albany.backends.twisted.server import TwistedServer

            self._reactor = AsyncioSelectorReactor(asyncio.get_running_loop())
            start_hosted_reactor(self._reactor)
            self._server: Any = TwistedServer(app, config, sock, reactor=self._reactor)
        else:
            from albany.backends.asyncio.server import AsyncioServer

            self._server = AsyncioServer(app, config, sock)

    async def start(self) -> None:
        started = self._server.start()
        await (started.asFuture(asyncio.get_running_loop()) if self._reactor else started)

    async def stop(self) -> None:
        stopped = self._server.stop()
        await (stopped.asFuture(asyncio.get_running_loop()) if self._reactor else stopped)
        if self._reactor is not None:
            self._reactor.disconnectAll()
            self._reactor.removeAll()
            self._reactor._uninstallHandler() if hasattr(
                self._reactor, "_uninstallHandler"
            ) else None


class AlbanyTestServer(test_utils.BaseTestServer):
    """aiohttp's ``TestServer``, serving its application through Albany."""

    def __init__(
        self,
        app: web.Application,
        *,
        scheme: str = "",
        host: str = "127.0.0.1",
        port: int | None = None,
        **kwargs: Any,
    ) -> None:
        self.app = app
        self._serving: _Serving | None = None
        super().__init__(scheme=scheme, host=host, port=port, **kwargs)

    async def _make_runner(self, **kwargs: Any) -> web.BaseRunner:
        raise NotImplementedError("an AlbanyTestServer has no aiohttp runner")

    async def start_server(
        self, loop: asyncio.AbstractEventLoop | None = None, **kwargs: Any
    ) -> None:
        if self._serving is not None:
            return
        self._loop = loop
        self._ssl = kwargs.pop("ssl", None)
        handler_args = {k: v for k, v in kwargs.items() if k not in _ALBANY_SETTINGS}
        app = aiohttp_app(
            self.app,
            handler_cancellation=kwargs.get("handler_cancellation", True),
            handler_args=handler_args,
        )
        settings: dict[str, Any] = {"log_level": "warning", "access_log": False}
        if "shutdown_timeout" in kwargs:
            settings["timeout_graceful_shutdown"] = kwargs["shutdown_timeout"]
        if self._ssl is not None:
            settings["ssl"] = self._ssl
        if not self.port:
            self.port = 0
        absolute_host = self.host
        try:
            version = ipaddress.ip_address(self.host).version
        except ValueError:
            version = 4
        if version == 6:
            absolute_host = f"[{self.host}]"
        family = socket.AF_INET6 if version == 6 else socket.AF_INET
        sock = self.socket_factory(self.host, self.port, family)
        self.host, self.port = sock.getsockname()[:2]
        sock.listen(128)  # aiohttp's factory only binds; Twisted adopts listening sockets
        self._serving = _Serving(app, Config(**settings), sock)
        self.runner = _NoRunner()  # type: ignore[assignment]  # ``started`` looks at it
        try:
            await self._serving.start()
        except BaseException:
            sock.close()  # refused (a TLS context on Twisted): not left for a later test's gc
            raise
        if not self.scheme:
            self.scheme = "https" if self._ssl else "http"
        self._root = URL(f"{self.scheme}://{absolute_host}:{self.port}")

    @property
    def handler(self) -> web.Server:
        assert self._serving is not None
        server = self._serving.app._server
        assert server is not None
        return server

    async def close(self) -> None:
        if self._serving is not None and not self.closed:
            await self._serving.stop()
            self._root = None
            self.port = None
            self._closed = True


class _NoRunner:
    """Stands in ``BaseTestServer.runner``: started, with nothing of aiohttp's to clean up."""

    server = None

    async def cleanup(self) -> None:
        pass


def pytest_sessionstart() -> None:
    """Put ``AlbanyTestServer`` in place once aiohttp's plugin is loaded, before collection."""
    from aiohttp import pytest_plugin

    pytest_plugin.TestServer = AlbanyTestServer  # type: ignore[misc]
    test_utils.TestServer = AlbanyTestServer  # type: ignore[misc]

"""Own an asyncio loop (stdlib or uvloop): serve until SIGINT/SIGTERM, then stop gracefully."""

from __future__ import annotations

import asyncio
import signal
import socket

from albany.backends.asyncio.server import AsyncioServer
from albany.config import Config
from albany.types import App


def new_loop(use_uvloop: bool) -> asyncio.AbstractEventLoop:
    """A fresh loop, uvloop's when asked (``albany[uvloop]``)."""
    if use_uvloop:
        from albany.errors import require

        require("uvloop", "uvloop", "uvloop")
        import uvloop

        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


async def serve_until_signal(server: AsyncioServer, install_signal_handlers: bool) -> None:
    """Start ``server``, wait for SIGINT/SIGTERM, stop it.

    The handlers go in first: a signal during start-up stops the server once it is up.
    """
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    if install_signal_handlers:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
    await server.start()
    try:
        await stop.wait()
    finally:
        await server.stop()


def serve(
    app: App,
    config: Config,
    loop: asyncio.AbstractEventLoop,
    sock: socket.socket | None = None,
) -> int:
    """Serve ``app`` on ``loop`` until a signal; return the exit status.

    The status is 1 when lifespan shutdown failed, else 0.
    """
    asyncio.set_event_loop(loop)
    server = AsyncioServer(app, config, sock)
    try:
        loop.run_until_complete(serve_until_signal(server, config.install_signal_handlers))
    finally:
        _stop_hosted_reactor(loop)
        loop.close()
    return 0 if server.shutdown_failure is None else 1


def _stop_hosted_reactor(loop: asyncio.AbstractEventLoop) -> None:
    """Let a Twisted reactor hosted on this loop run its shutdown triggers; it stops the loop."""
    import sys

    if "twisted.internet.reactor" not in sys.modules:
        return
    from albany.backends.twisted.reactors import hosted_reactor

    reactor = hosted_reactor(loop)
    if reactor is not None and reactor.running:
        reactor.stop()
        loop.run_forever()

"""Own an asyncio loop (stdlib or uvloop): serve until SIGINT/SIGTERM, then stop gracefully."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket

from albany.backends.asyncio.server import AsyncioServer
from albany.config import Config
from albany.types import App

logger = logging.getLogger("albany.error")


def new_loop(use_uvloop: bool) -> asyncio.AbstractEventLoop:
    """A fresh loop, uvloop's when asked (``albany[uvloop]``)."""
    if use_uvloop:
        from albany.errors import require

        require("uvloop", "uvloop", "uvloop")
        import uvloop

        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


async def serve_until_signal(server: AsyncioServer, install_signal_handlers: bool) -> None:
    """Start ``server``, wait for SIGINT/SIGTERM, stop it; a second signal stops it at once.

    The handlers go in first: a signal during start-up stops the server once it is up.
    """
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    def on_signal() -> None:
        if not stop.is_set():
            logger.info("Shutting down (Ctrl-C again to stop at once)")
            server.stop_requested = True
            stop.set()
        elif server.state is not None:
            server.state.force_close("Stopping at once")

    if install_signal_handlers:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, on_signal)
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

    The status is 1 when lifespan shutdown failed or requests were cut short, else 0.
    """
    asyncio.set_event_loop(loop)
    server = AsyncioServer(app, config, sock)
    try:
        loop.run_until_complete(serve_until_signal(server, config.install_signal_handlers))
    finally:
        _cancel_remaining(loop)
        _stop_hosted_reactor(loop)
        loop.close()
    return server.exit_status()


def _cancel_remaining(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel the app calls a forced stop cut short, and let them end, before the loop closes
    (as ``asyncio.run`` does), so none is destroyed pending."""
    remaining = [task for task in asyncio.all_tasks(loop) if not task.done()]
    if not remaining:
        return
    for task in remaining:
        task.cancel()
    loop.run_until_complete(asyncio.gather(*remaining, return_exceptions=True))


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

"""Own Tornado's IOLoop (on a fresh asyncio loop): serve until SIGINT/SIGTERM, then stop."""

from __future__ import annotations

import asyncio
import socket

from albany.backends.asyncio.main import serve_until_signal
from albany.backends.tornado.server import TornadoServer
from albany.config import Config
from albany.types import App


def serve(
    app: App,
    config: Config,
    loop: asyncio.AbstractEventLoop,
    sock: socket.socket | None = None,
) -> int:
    """Serve ``app`` under Tornado on ``loop`` until a signal; return the exit status.

    The status is 1 when lifespan shutdown failed or requests were cut short, else 0.
    """
    from albany.backends.asyncio.main import _cancel_remaining, _stop_hosted_reactor

    asyncio.set_event_loop(loop)
    server = TornadoServer(app, config, sock)
    try:
        loop.run_until_complete(serve_until_signal(server, config.install_signal_handlers))  # type: ignore[arg-type]
    finally:
        _cancel_remaining(loop)
        _stop_hosted_reactor(loop)
        loop.close()
    return server.exit_status()

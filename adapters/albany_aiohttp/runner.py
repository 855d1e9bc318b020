"""``run_app``: aiohttp's ``web.run_app`` with Albany as the server, on the loop you name.

``run_app(app, loop="twisted")`` serves an aiohttp application under a Twisted
reactor (the asyncio reactor, installed by Albany). aiohttp's options map to
Albany's settings (``ssl_context`` to ``Config.ssl``); what Albany cannot do is
refused, not ignored.
"""

from __future__ import annotations

import logging
import socket
from typing import Any, Callable, Sequence

from aiohttp.log import access_logger

import albany
from albany_aiohttp.application import ApplicationSource, aiohttp_app

_BANNER = "======== Running on {url} (Albany, {loop}) ========\n(Press CTRL+C to quit)"


def run_app(
    app: ApplicationSource,
    *,
    host: str | Sequence[str] | None = None,
    port: int | None = None,
    path: str | None = None,
    sock: socket.socket | None = None,
    shutdown_timeout: float = 60.0,
    keepalive_timeout: float = 75.0,
    ssl_context: Any = None,
    print: Callable[..., None] | None = print,  # noqa: A002 - aiohttp's name
    backlog: int = 128,
    access_log: logging.Logger | None = access_logger,
    handle_signals: bool = True,
    reuse_port: bool | None = None,
    handler_cancellation: bool = False,
    loop: str = "auto",
    **settings: Any,
) -> int:
    """Serve ``app`` until SIGINT/SIGTERM; the exit status (0 after a clean shutdown).

    ``loop`` is a loop name (``auto``, ``asyncio``, ``uvloop``, ``twisted``,
    ``tornado``), not an event loop object. ``settings`` are further
    ``albany.Config`` fields (``log_level``, ``limits``, ``reactor``…).
    """
    if not isinstance(loop, str):
        raise TypeError("loop= names the loop Albany serves on: 'asyncio', 'uvloop', 'twisted'…")
    if ssl_context is not None:
        settings["ssl"] = ssl_context
    if reuse_port:
        raise NotImplementedError("Albany 0.1 does not bind with SO_REUSEPORT")
    if not isinstance(host, (str, type(None))):
        hosts = list(host)
        if len(hosts) != 1:
            raise NotImplementedError("Albany binds one address; give one host")
        host = hosts[0]
    address: dict[str, Any] = {"host": host or "0.0.0.0", "port": 8080 if port is None else port}
    if sock is not None:
        address = {"fd": sock.fileno()}
    elif path is not None:
        address = {"uds": str(path)}
    if print is not None:
        scheme = "https" if ssl_context is not None else "http"
        where = address.get("uds") or f"{scheme}://{address.get('host')}:{address.get('port')}"
        print(_BANNER.format(url=where if "fd" not in address else f"fd {sock}", loop=loop))
    return albany.run(
        aiohttp_app(app, handler_cancellation=handler_cancellation),
        loop=loop,
        timeout_graceful_shutdown=shutdown_timeout,
        timeout_keep_alive=keepalive_timeout,
        backlog=backlog,
        access_log=access_log is not None,
        install_signal_handlers=handle_signals,
        **address,
        **settings,
    )

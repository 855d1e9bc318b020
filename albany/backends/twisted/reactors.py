"""Choosing and installing reactors, and the cross-flavour rule's start-up checks.

Albany installs a reactor only when none is installed yet; when the one installed
cannot serve the app, start-up fails here with a message that says what to change.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
import threading
from typing import Any

from albany.errors import StartupError, require

REACTOR_MODULES = {
    "epoll": "twisted.internet.epollreactor",
    "poll": "twisted.internet.pollreactor",
    "select": "twisted.internet.selectreactor",
    "asyncio": "twisted.internet.asyncioreactor",
    "default": "twisted.internet.default",
}

_HINT = (
    "install it before anything imports twisted.internet.reactor "
    "(albany --reactor asyncio, or albany.backends.twisted.reactors.asyncio_reactor_on(loop))"
)


def installed_reactor() -> Any | None:
    """The reactor already installed in this process, or None."""
    if "twisted.internet.reactor" not in sys.modules:
        return None
    from twisted.internet import reactor

    return reactor


def install_reactor(name: str | None = None, loop: asyncio.AbstractEventLoop | None = None) -> Any:
    """The reactor named (platform default when None), installed unless one already is."""
    require("twisted", "twisted", "Twisted")
    if name == "asyncio":
        return asyncio_reactor_on(loop or asyncio.new_event_loop())
    if name is not None and name not in REACTOR_MODULES:
        raise StartupError(
            f"Unknown reactor {name!r}; choose one of {', '.join(sorted(REACTOR_MODULES))}"
        )
    current = installed_reactor()
    if current is not None:
        if name not in (None, "default") and not type(current).__module__.startswith(
            REACTOR_MODULES[name]
        ):
            raise StartupError(
                f"--reactor {name} asked for, but the {type(current).__name__} is already "
                "installed: something imported twisted.internet.reactor first; pass --reactor "
                "before the app is imported, or leave --reactor out to use the one installed"
            )
        return current
    module: Any = importlib.import_module(REACTOR_MODULES[name or "default"])
    module.install()
    return installed_reactor()


def asyncio_reactor_on(loop: asyncio.AbstractEventLoop) -> Any:
    """Twisted's asyncio reactor on ``loop``: installed now, or checked when already there."""
    require("twisted", "twisted", "Twisted")
    from twisted.internet.asyncioreactor import AsyncioSelectorReactor

    current = installed_reactor()
    if current is None:
        from twisted.internet import asyncioreactor

        asyncioreactor.install(loop)  # type: ignore[no-untyped-call]
        return installed_reactor()
    if isinstance(current, AsyncioSelectorReactor) and asyncio_loop_of(current) is loop:
        return current
    raise StartupError(
        f"The {type(current).__name__} is already installed, so Twisted cannot share this "
        f"asyncio loop; {_HINT}"
    )


def asyncio_loop_of(reactor: Any) -> asyncio.AbstractEventLoop:
    """The asyncio loop under an asyncio reactor; ``StartupError`` for any other reactor."""
    from twisted.internet.asyncioreactor import AsyncioSelectorReactor

    if not isinstance(reactor, AsyncioSelectorReactor):
        raise StartupError(
            f"An asyncio app needs Twisted's asyncio reactor, but the {type(reactor).__name__} "
            f"is installed; {_HINT}"
        )
    # Twisted offers no public accessor for the loop it wraps.
    loop: asyncio.AbstractEventLoop = reactor._asyncioEventloop
    return loop


def hosted_reactor(loop: asyncio.AbstractEventLoop) -> Any | None:
    """The asyncio reactor running on ``loop``, if one is installed."""
    current = installed_reactor()
    if current is None:
        return None
    try:
        return current if asyncio_loop_of(current) is loop else None
    except StartupError:
        return None


def start_hosted_reactor(reactor: Any) -> None:
    """Mark a reactor hosted on a running asyncio loop as running (fires its startup triggers).

    The loop's owner may end without ever stopping the reactor, so its thread pool gets
    daemon threads: they must not keep the process alive after the loop is gone.
    """
    if not reactor.running:
        reactor.getThreadPool().threadFactory = _daemon_thread
        reactor.startRunning(installSignalHandlers=False)


def _daemon_thread(*args: Any, **kwargs: Any) -> threading.Thread:
    thread = threading.Thread(*args, **kwargs)
    thread.daemon = True
    return thread

"""Choosing the loop and running a server that owns it: what the CLI and ``albany.run`` share.

Order matters for the cross-flavour rule: a reactor the user named is installed
before the app is imported (``prepare``), a reactor an app's import asks for is
installed for the loop while it imports (``Prepared.importing``); the rest is
decided once the app's flavour is known (``serve``).
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
from contextlib import nullcontext
from dataclasses import replace
from typing import Any, ContextManager

from albany.app_kinds import as_albany_app
from albany.config import Config
from albany.errors import StartupError, require
from albany.flavour import flavour_of
from albany.logs import configure_logging
from albany.mount import Mount
from albany.types import Flavour

logger = logging.getLogger("albany.error")

LOOPS = ("auto", "asyncio", "uvloop", "twisted", "tornado")


def flavours_in(app: Any) -> set[Flavour]:
    """The flavours an app (or every app of a Mount) needs driven."""
    if isinstance(app, Mount):
        return {flavour_of(mounted) for _, mounted in app.routes}
    return {flavour_of(app)}


def choose_loop(config: Config, flavours: set[Flavour]) -> str:
    """The loop ``auto`` stands for: the app's native one, uvloop when installed."""
    if config.loop != "auto":
        return config.loop
    if config.reactor is not None or "twisted" in flavours:
        return "twisted"
    return "uvloop" if importlib.util.find_spec("uvloop") is not None else "asyncio"


class Prepared:
    """What start-up decided before the apps are imported; ``importing()`` wraps their import.

    ``--reactor NAME`` is installed at once (asyncio's on a new loop). Otherwise, with
    Twisted installed, the reactor is installed only if an app's import asks for
    ``twisted.internet.reactor``, and then it is the one the loop needs: on an asyncio
    loop (``asyncio``, ``uvloop``, ``tornado``) the asyncio reactor on Albany's loop; on
    ``twisted`` (or ``auto``) the asyncio reactor when several apps are mounted, whose
    flavours are not known yet while the first imports, else the platform default.
    """

    def __init__(self, config: Config, apps: int = 1) -> None:
        self.config = config
        self.apps = apps
        self.loop: asyncio.AbstractEventLoop | None = None

    def importing(self) -> ContextManager[None]:
        """The context the apps are imported in."""
        if self.config.reactor is not None or not _twisted_installed():
            return nullcontext()
        from albany.reactor_on_demand import reactor_on_demand

        return reactor_on_demand(self.install_reactor)

    def install_reactor(self) -> Any:
        """Install the reactor this loop needs, now that an app asks for one."""
        from albany.backends.twisted.reactors import asyncio_reactor_on, install_reactor

        if self.config.loop in ON_ASYNCIO or self.apps > 1:
            from albany.backends.asyncio.main import new_loop

            self.loop = new_loop(self.config.loop == "uvloop")
            return asyncio_reactor_on(self.loop)
        return install_reactor(None)


ON_ASYNCIO = ("asyncio", "uvloop", "tornado")


def prepare(config: Config, apps: int = 1) -> Prepared:
    """Before ``apps`` apps are imported: check the loop, put a ``--reactor`` in place."""
    if config.loop not in LOOPS:
        raise StartupError(f"Unknown loop {config.loop!r}; choose one of {', '.join(LOOPS)}")
    prepared = Prepared(config, apps)
    if config.reactor is None:
        return prepared
    require("twisted", "twisted", "Twisted")
    from albany.backends.twisted.reactors import asyncio_reactor_on, install_reactor

    if config.reactor == "asyncio":
        from albany.backends.asyncio.main import new_loop

        prepared.loop = new_loop(config.loop == "uvloop")
        asyncio_reactor_on(prepared.loop)
    else:
        install_reactor(config.reactor)
    return prepared


def _twisted_installed() -> bool:
    try:
        import twisted  # noqa: F401
    except ImportError:
        return False
    return True


def serve(app: Any, config: Config, loop: asyncio.AbstractEventLoop | None = None) -> int:
    """Serve ``app`` (any kind ``app_kinds`` knows) on the configured loop until a signal."""
    app = as_albany_app(app, config.interface)
    flavours = flavours_in(app)
    name = choose_loop(config, flavours)
    if name == "twisted":
        require("twisted", "twisted", "Twisted")
        from albany.backends.twisted.main import serve as serve_twisted
        from albany.backends.twisted.reactors import install_reactor

        wanted = config.reactor or ("asyncio" if "asyncio" in flavours else None)
        reactor: Any = install_reactor(wanted, loop)
        return serve_twisted(app, config, reactor)

    if config.reactor not in (None, "asyncio"):
        raise StartupError(
            f"--reactor {config.reactor} cannot share an asyncio loop; "
            "only --reactor asyncio can (or choose --loop twisted)"
        )
    if name == "tornado":
        require("tornado", "tornado", "Tornado")
    if "twisted" in flavours:
        require("twisted", "twisted", "Twisted")
    from albany.backends.asyncio.main import new_loop

    if loop is None:
        loop = new_loop(name == "uvloop")
    try:
        if "twisted" in flavours:
            from albany.backends.twisted.reactors import asyncio_reactor_on

            asyncio_reactor_on(loop)
    except BaseException:
        loop.close()
        raise
    if name == "tornado":
        from albany.backends.tornado.main import serve as serve_tornado

        return serve_tornado(app, config, loop)
    from albany.backends.asyncio.main import serve as serve_asyncio

    return serve_asyncio(app, config, loop)


def check_single_process(config: Config) -> None:
    """Refuse the settings that only a supervisor of workers can apply."""
    if config.max_requests is not None:
        raise StartupError("--max-requests replaces workers: it needs --workers")


def run(app: Any, config: Config | None = None, **settings: Any) -> int:
    """Serve ``app`` until SIGINT/SIGTERM: ``albany.run(app, loop="twisted", port=8080)``.

    ``app`` may be ``"MODULE:ATTR"``; with ``workers=N`` it must be, as each worker
    process imports it itself.
    """
    config = replace(config or Config(), **settings)
    configure_logging(config.log_level, config.access_log)
    if config.workers is not None:
        if not isinstance(app, str):
            raise StartupError(
                "Workers import the app themselves: give it as 'MODULE:ATTR' with workers"
            )
        from albany.workers.spec import WorkerSpec
        from albany.workers.supervisor import run_supervisor

        return run_supervisor(WorkerSpec(config, target=app))
    check_single_process(config)
    prepared = prepare(config)
    if isinstance(app, str):
        from albany.importer import import_from_string

        with prepared.importing():
            app = import_from_string(app)
    return serve(app, config, prepared.loop)

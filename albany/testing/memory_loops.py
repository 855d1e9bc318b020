"""The loops the in-memory client runs on, and the one-reactor-per-process rule.

============== =============================================================
loop           runs on
============== =============================================================
asyncio        one stdlib asyncio loop per ``MemoryLoops``
uvloop         one uvloop loop per ``MemoryLoops``
tornado        Tornado's IOLoop over that same stdlib asyncio loop
twisted        the process's reactor, when it is not the asyncio reactor
twisted-asyncio the asyncio reactor, on the stdlib asyncio loop
============== =============================================================

Twisted allows one reactor per process. When none is installed yet, ``MemoryLoops``
installs the asyncio reactor if ``twisted-asyncio`` is among the loops of the run, the
platform's default reactor otherwise; the loop the reactor cannot serve is then
unavailable (``LoopUnavailable``, which the pytest fixtures turn into a skip). Outside
pytest no run declares its loops (``loops=None``): the first Twisted loop asked for
decides, ``twisted`` installing the default reactor and any other the asyncio reactor. Under
pytest-twisted the reactor is pytest-twisted's, and the client waits with its
``blockon``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable

from albany.gateway.interfaces import AppRunner, Clock
from albany.testing.live import LOOPS, loop_available, loop_package
from albany.testing.loop_drivers import (
    Drive,
    drive_asyncio,
    drive_reactor,
    drive_with_blockon,
)
from albany.types import BackendName, Flavour

if TYPE_CHECKING:
    import asyncio


class LoopUnavailable(Exception):
    """The loop cannot run in this process: not installed, or another reactor owns it."""


class MemoryLoop:
    """One loop as the in-memory client drives it: how to run it, and what the backend builds."""

    def __init__(
        self,
        name: str,
        backend: BackendName,
        run: Drive,
        runner_for: Callable[[Flavour], AppRunner],
        clock: Callable[[], Clock],
        twisted_host: Any = None,
    ) -> None:
        self.name = name
        self.backend = backend
        self.run = run
        """``run(start, timeout)``: call ``start(wake)`` on the loop, run it until ``wake()``."""
        self.runner_for = runner_for
        self.clock = clock
        self.twisted_host = twisted_host
        """The asyncio loop a twisted-flavoured app's reactor must be on (None: any reactor)."""


class MemoryLoops:
    """The loops in-memory clients run on, made once and shared (a pytest session's worth).

    ``loops`` are the loops of the run: they decide which reactor is installed when one
    is needed and none is there yet. ``blockon`` is pytest-twisted's, when it owns the
    reactor.
    """

    def __init__(
        self, loops: Iterable[str] | None = LOOPS, blockon: Callable[[Any], Any] | None = None
    ) -> None:
        self.loops = None if loops is None else list(loops)
        """The loops of the run; ``None`` when no run declared them (outside pytest)."""
        self.blockon = blockon
        self._asyncio_loops: dict[bool, asyncio.AbstractEventLoop] = {}  # by "is uvloop"
        self._reactor_started = False
        self._made: dict[str, MemoryLoop] = {}

    def get(self, name: str) -> MemoryLoop:
        """The loop named, made on first use; ``LoopUnavailable`` when it cannot run here."""
        if name not in LOOPS:
            raise ValueError(f"Unknown loop {name!r}; expected one of {', '.join(LOOPS)}")
        if not loop_available(name):
            raise LoopUnavailable(f"{loop_package(name)} is not installed")
        made = self._made.get(name)
        if made is None:
            made = self._made[name] = self._make(name)
        return made

    def _make(self, name: str) -> MemoryLoop:
        if name in ("twisted", "twisted-asyncio"):
            return self._twisted(name)
        loop = self._asyncio_loop(name == "uvloop")
        run = drive_asyncio(loop)
        if name == "tornado":
            from tornado.ioloop import IOLoop

            from albany.backends.tornado.clock import TornadoClock
            from albany.backends.tornado.runner import runner_for as tornado_runner_for

            return MemoryLoop(
                name,
                "tornado",
                run,
                lambda flavour: tornado_runner_for(flavour, IOLoop.current()),
                lambda: TornadoClock(IOLoop.current()),
                twisted_host=loop,
            )
        from albany.backends.asyncio.clock import AsyncioClock
        from albany.backends.asyncio.runner import runner_for

        backend: BackendName = "uvloop" if name == "uvloop" else "asyncio"
        return MemoryLoop(
            name,
            backend,
            run,
            lambda flavour: runner_for(flavour, loop),
            lambda: AsyncioClock(loop),
            twisted_host=loop,
        )

    def _asyncio_loop(self, uvloop: bool) -> asyncio.AbstractEventLoop:
        """The stdlib loop, or uvloop's, made on first use and kept."""
        from albany.backends.asyncio.main import new_loop

        if self.blockon is not None:
            self._refuse_under_asyncio_reactor()
        loop = self._asyncio_loops.get(uvloop)
        if loop is None:
            loop = self._asyncio_loops[uvloop] = new_loop(uvloop)
        return loop

    def _refuse_under_asyncio_reactor(self) -> None:
        reactor = self.reactor()
        if is_asyncio_reactor(reactor):
            raise LoopUnavailable(
                "pytest-twisted runs the asyncio reactor's loop in this thread, so no other "
                "asyncio loop can run here: use twisted-asyncio for in-memory tests, or run "
                "pytest-twisted with its default reactor"
            )

    def reactor(self, wanted: str | None = None) -> Any:
        """The process's reactor; installed now (see the module's doc) if there is none.

        ``wanted`` is the loop the reactor is needed for, which decides when no run
        declared its loops.
        """
        from albany.backends.twisted.reactors import (
            asyncio_reactor_on,
            install_reactor,
            installed_reactor,
        )

        reactor = installed_reactor()
        if reactor is None:
            loops = [wanted or "twisted-asyncio"] if self.loops is None else self.loops
            if "twisted-asyncio" in loops or "twisted" not in loops:
                reactor = asyncio_reactor_on(self._asyncio_loop(False))
            else:
                reactor = install_reactor(None)
        return reactor

    def _twisted(self, name: str) -> MemoryLoop:
        from albany.backends.twisted.clock import TwistedClock
        from albany.backends.twisted.reactors import asyncio_loop_of, start_hosted_reactor
        from albany.backends.twisted.runner import runner_for

        reactor = self.reactor(name)
        on_asyncio = is_asyncio_reactor(reactor)
        kind = "the asyncio reactor" if on_asyncio else f"the {type(reactor).__name__}"
        if (name == "twisted") == on_asyncio:
            # Under pytest the way out is a run of the loop's own; outside, a process.
            own = f"a run of their own (--albany-loops {name})" if self.loops else "a process"
            raise LoopUnavailable(
                f"{kind} is installed in this process and Twisted allows one reactor per "
                f"process: in-memory clients on {name!r} need {own} without the other "
                "Twisted loop"
            )
        if self.blockon is not None:
            run = drive_with_blockon(reactor, self.blockon)
        elif on_asyncio:
            loop = asyncio_loop_of(reactor)
            start_hosted_reactor(reactor)
            run = drive_asyncio(loop)
        else:
            if not reactor.running:
                reactor.startRunning(installSignalHandlers=False)
                self._reactor_started = True
            run = drive_reactor(reactor)
        host = asyncio_loop_of(reactor) if on_asyncio else None
        return MemoryLoop(
            name,
            "twisted",
            run,
            lambda flavour: runner_for(flavour, reactor),
            lambda: TwistedClock(reactor),
            twisted_host=host,
        )

    def close(self) -> None:
        """Stop a reactor this object started by hand; close loops no reactor is hosted on."""
        if self._reactor_started:
            reactor = self.reactor()
            reactor.stop()
            reactor.iterate(0)  # fires "shutdown": the thread pool stops
            self._reactor_started = False
        hosting = self._made.get("twisted-asyncio")
        for loop in self._asyncio_loops.values():
            if loop.is_closed() or loop.is_running():
                continue
            if hosting is not None and hosting.twisted_host is loop:
                continue  # the asyncio reactor stays on it until the process ends
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
        self._asyncio_loops.clear()
        self._made.clear()


def is_asyncio_reactor(reactor: Any) -> bool:
    """Whether ``reactor`` is Twisted's asyncio reactor (imports Twisted)."""
    from twisted.internet.asyncioreactor import AsyncioSelectorReactor

    return isinstance(reactor, AsyncioSelectorReactor)


_default_loops: MemoryLoops | None = None


def default_loops() -> MemoryLoops:
    """The ``MemoryLoops`` clients share when they are given none."""
    global _default_loops
    if _default_loops is None:
        _default_loops = MemoryLoops(None)
    return _default_loops

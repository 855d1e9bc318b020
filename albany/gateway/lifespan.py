"""The lifespan protocol, loop-neutral: start-up and shutdown reported through callbacks.

Modes: ``off`` never calls the app; ``auto`` goes on without lifespan when the app
fails or returns before answering ``lifespan.startup``; ``on`` treats that as a
start-up failure. ``lifespan.startup.failed`` always stops start-up with the app's message.

Given a clock, each phase has a time limit: an app that does not answer in time fails the
phase, and a late answer is ignored.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from albany.config import LifespanMode
from albany.gateway.endpoints import Endpoint
from albany.gateway.interfaces import AppRunner, Clock, Timer
from albany.spec import ASGI_VERSIONS
from albany.types import AlbanyExtension, App, Message

logger = logging.getLogger("albany.error")

Done = Callable[[str | None], None]
"""Called once with None on success, or with the failure message."""


class Lifespan:
    """Runs one app's lifespan scope on its runner.

    With a ``clock``, a phase not answered within its timeout fails (None or 0: no limit).
    """

    def __init__(
        self,
        app: App,
        runner: AppRunner,
        mode: LifespanMode,
        state: dict[str, Any],
        extension: AlbanyExtension,
        clock: Clock | None = None,
        startup_timeout: float | None = None,
        shutdown_timeout: float | None = None,
    ) -> None:
        self._app = app
        self._runner = runner
        self._mode = mode
        self._state = state
        self._extension = extension
        self._clock = clock
        self._startup_timeout = startup_timeout
        self._shutdown_timeout = shutdown_timeout
        self._timer: Timer | None = None
        self._events: list[Message] = []
        self._waiter: Any = None
        self._startup_done: Done | None = None
        self._shutdown_done: Done | None = None
        self._started = False
        self._finished = False

    def startup(self, done: Done) -> None:
        """Send ``lifespan.startup``; ``done`` gets the outcome."""
        if self._mode == "off":
            done(None)
            return
        self._startup_done = done
        self._start_timer("startup", self._startup_timeout, self._report_startup)
        self._push({"type": "lifespan.startup"})
        scope = {
            "type": "lifespan",
            "asgi": ASGI_VERSIONS,
            "state": self._state,
            "extensions": {"albany": self._extension},
        }
        self._runner.run(self._app, scope, self)

    def shutdown(self, done: Done) -> None:
        """Send ``lifespan.shutdown``; ``done`` gets the outcome."""
        if not self._started or self._finished:
            done(None)
            return
        self._shutdown_done = done
        self._start_timer("shutdown", self._shutdown_timeout, self._report_shutdown)
        self._push({"type": "lifespan.shutdown"})

    def _start_timer(self, phase: str, timeout: float | None, report: Done) -> None:
        """Fail ``phase`` through ``report`` unless it is answered within ``timeout`` seconds."""
        if not timeout or self._clock is None:
            return

        def expired() -> None:
            report(f"Lifespan {phase} did not complete within {timeout:g} s")

        self._timer = self._clock.call_later(timeout, expired)

    def _stop_timer(self) -> None:
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()

    def _push(self, message: Message) -> None:
        self._events.append(message)
        waiter, self._waiter = self._waiter, None
        if waiter is not None:
            self._runner.resolve(waiter, None)

    async def receive(self) -> Message:
        while not self._events:
            self._waiter = waiter = self._runner.create_future()
            await waiter
        return self._events.pop(0)

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "lifespan.startup.complete":
            if self._startup_done is not None:  # not after a start-up timeout: that one failed
                self._started = True
            self._report_startup(None)
        elif kind == "lifespan.startup.failed":
            self._report_startup(message.get("message") or "Lifespan startup failed")
        elif kind == "lifespan.shutdown.complete":
            self._report_shutdown(None)
        elif kind == "lifespan.shutdown.failed":
            self._report_shutdown(message.get("message") or "Lifespan shutdown failed")
        else:
            raise RuntimeError(f"Unexpected ASGI message type {kind!r} for a lifespan scope")

    def app_finished(self, error: BaseException | None) -> None:
        self._finished = True
        if self._startup_done is not None:
            if self._mode == "auto":
                if error is not None:
                    logger.info("ASGI 'lifespan' protocol appears unsupported.")
                self._report_startup(None)
            else:
                reason = repr(error) if error is not None else "the app returned"
                self._report_startup(f"Lifespan startup did not complete: {reason}")
            return
        if error is not None:
            logger.error("Exception in 'lifespan' protocol", exc_info=error)
        self._report_shutdown(None if error is None else repr(error))

    def _report_startup(self, failure: str | None) -> None:
        done, self._startup_done = self._startup_done, None
        if done is not None:
            self._stop_timer()
            done(failure)

    def _report_shutdown(self, failure: str | None) -> None:
        done, self._shutdown_done = self._shutdown_done, None
        if done is not None:
            self._stop_timer()
            done(failure)


class LifespanGroup:
    """The lifespans of several endpoints: started in order, shut down in reverse.

    The timeouts, which need ``clock``, apply to each app's start-up and shutdown.
    """

    def __init__(
        self,
        endpoints: list[Endpoint],
        mode: LifespanMode,
        clock: Clock | None = None,
        startup_timeout: float | None = None,
        shutdown_timeout: float | None = None,
    ) -> None:
        self._lifespans = [
            Lifespan(
                e.app,
                e.runner,
                mode,
                e.lifespan_state,
                e.extension,
                clock,
                startup_timeout,
                shutdown_timeout,
            )
            for e in endpoints
        ]

    def startup(self, done: Done) -> None:
        """Start each app's lifespan; ``done`` gets the first failure, or None."""
        self._start(0, done)

    def _start(self, index: int, done: Done) -> None:
        if index == len(self._lifespans):
            done(None)
            return

        def started(failure: str | None) -> None:
            if failure is not None:
                done(failure)
            else:
                self._start(index + 1, done)

        self._lifespans[index].startup(started)

    def shutdown(self, done: Done) -> None:
        """Shut each app's lifespan down, last started first; ``done`` gets the first failure."""
        self._stop(len(self._lifespans) - 1, None, done)

    def _stop(self, index: int, failure: str | None, done: Done) -> None:
        if index < 0:
            done(failure)
            return

        def stopped(this_failure: str | None) -> None:
            self._stop(index - 1, failure or this_failure, done)

        self._lifespans[index].shutdown(stopped)

"""Running a loop or reactor until the in-memory client is woken, or failing on a timeout.

A driver is ``drive(start, timeout)``: it calls ``start(wake)`` on the loop, then runs the
loop until something calls ``wake()``, and raises ``MemoryTimeout`` if nothing has after
``timeout`` seconds.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    import asyncio

Wake = Callable[[], None]
"""Ends a drive: called on the loop once what the test waits for is done."""

Start = Callable[[Wake], None]
"""Begins the work on the loop, given the ``Wake`` that ends the drive."""

Drive = Callable[[Start, float], None]
"""``drive(start, timeout)``: call ``start(wake)`` on the loop, run it until ``wake()``."""


class MemoryTimeout(AssertionError):
    """The app did not complete a response (or lifespan step) in time."""


def drive_asyncio(loop: asyncio.AbstractEventLoop) -> Drive:
    """Drive an asyncio (or uvloop) loop with ``run_until_complete``."""
    import asyncio

    def drive(start: Start, timeout: float) -> None:
        async def until_woken() -> None:
            waiter = loop.create_future()

            def wake() -> None:
                if not waiter.done():
                    waiter.set_result(None)

            start(wake)
            await asyncio.wait_for(waiter, timeout)

        try:
            loop.run_until_complete(until_woken())
        except asyncio.TimeoutError:
            raise MemoryTimeout(f"nothing completed within {timeout} s") from None

    return drive


def drive_reactor(reactor: Any) -> Drive:
    """Drive a reactor by hand: ``iterate`` until woken (no ``reactor.run``, so it can resume)."""

    def drive(start: Start, timeout: float) -> None:
        woken: list[bool] = []
        start(lambda: woken.append(True))
        deadline = time.monotonic() + timeout
        while not woken:
            if time.monotonic() > deadline:
                raise MemoryTimeout(f"nothing completed within {timeout} s")
            next_timer = reactor.timeout()
            reactor.iterate(0.05 if next_timer is None else min(next_timer, 0.05))

    return drive


def drive_with_blockon(reactor: Any, blockon: Callable[[Any], Any]) -> Drive:
    """Wait inside pytest-twisted's reactor with its ``blockon``."""
    from twisted.internet.defer import Deferred, TimeoutError

    def drive(start: Start, timeout: float) -> None:
        done: Deferred[None] = Deferred()

        def wake() -> None:
            if not done.called:
                done.callback(None)

        start(wake)
        done.addTimeout(timeout, reactor)
        try:
            blockon(done)
        except TimeoutError:
            raise MemoryTimeout(f"nothing completed within {timeout} s") from None

    return drive

"""Driving apps on an asyncio loop: asyncio and neutral apps as tasks.

Cross-flavour rule: a twisted-flavoured app is driven by a ``TwistedRunner`` on the
asyncio reactor installed on this same loop.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any, Callable

import txaio.aio

from albany.gateway.interfaces import AppRunner, AppTask
from albany.neutral import Helpers
from albany.types import App, Flavour


class AsyncioRunner:
    """Runs app calls as asyncio tasks; futures are the loop's."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.create_future: Callable[[], asyncio.Future[Any]] = loop.create_future
        self.helpers = Helpers(
            txaio.aio.with_config(loop=loop),  # type: ignore[no-untyped-call]
            ensure_future=functools.partial(asyncio.ensure_future, loop=loop),
            run_in_thread=functools.partial(loop.run_in_executor, None),
            loop_name="asyncio",
        )

    def resolve(self, future: asyncio.Future[Any], value: Any) -> None:
        if not future.done():
            future.set_result(value)

    def run(self, app: App, scope: Any, task: AppTask) -> None:
        try:
            result = app(scope, task.receive, task.send)  # type: ignore[attr-defined]
            future = asyncio.ensure_future(result, loop=self._loop)
        except BaseException as error:  # noqa: BLE001 - reported to the cycle
            task.app_finished(error)
            return
        future.add_done_callback(functools.partial(_report, task))


def _report(task: AppTask, future: asyncio.Future[Any]) -> None:
    if future.cancelled():
        task.app_finished(asyncio.CancelledError())
    else:
        task.app_finished(future.exception())


def runner_for(flavour: Flavour, loop: asyncio.AbstractEventLoop) -> AppRunner:
    """The runner for an app of ``flavour`` on ``loop`` (cross-flavour rule)."""
    if flavour == "twisted":
        from albany.backends.twisted.runner import hosted_twisted_runner

        return hosted_twisted_runner(loop)
    return AsyncioRunner(loop)


async def wait_for_callback(start: Callable[[Callable[[Any], None]], None]) -> Any:
    """Await the single value that ``start(callback)`` reports through its callback."""
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def callback(value: Any) -> None:
        if not future.done():
            future.set_result(value)

    start(callback)
    return await future


__all__ = ["AsyncioRunner", "runner_for", "wait_for_callback"]

"""Driving apps on an asyncio loop: asyncio and neutral apps, as tasks once they wait.

Cross-flavour rule: a twisted-flavoured app is driven by a ``TwistedRunner`` on the
asyncio reactor installed on this same loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import sys
from inspect import iscoroutine
from typing import Any, Callable

import txaio.aio

from albany.gateway.eager import FINISHED, first_step, resume
from albany.gateway.interfaces import AppRunner, AppTask
from albany.neutral import Helpers
from albany.types import App, Flavour


class AsyncioRunner:
    """Runs app calls on an asyncio loop; futures are the loop's.

    With ``eager`` (neutral apps, which await nothing but Albany's futures) the first
    step runs at once and a Task is made only if the app waits. Other apps may ask
    for ``asyncio.current_task()`` (anyio does), so they always get a Task from the
    start (an eagerly started one where Python has them, 3.12 on).
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, eager: bool = False) -> None:
        self._loop = loop
        self._eager = eager
        self.create_future: Callable[[], asyncio.Future[Any]] = loop.create_future
        self.helpers = Helpers(
            txaio.aio.with_config(loop=loop),  # type: ignore[no-untyped-call]
            ensure_future=functools.partial(asyncio.ensure_future, loop=loop),
            run_in_thread=functools.partial(loop.run_in_executor, None),
            loop_name="asyncio",
            call_from_thread=loop.call_soon_threadsafe,
        )

    def resolve(self, future: asyncio.Future[Any], value: Any) -> None:
        if not future.done():
            future.set_result(value)

    def run(self, app: App, scope: Any, task: AppTask) -> None:
        try:
            result = app(scope, task.receive, task.send)  # type: ignore[attr-defined]
            if not iscoroutine(result):
                future = asyncio.ensure_future(result, loop=self._loop)
            elif self._eager:
                yielded, context = first_step(result)
                if yielded is FINISHED:
                    future = None
                else:
                    future = context.run(self._loop.create_task, resume(result, yielded))
            else:
                _new_task(_call_and_report(result, task), self._loop)
                future = _REPORTS_ITSELF
        except BaseException as error:  # noqa: BLE001 - reported to the cycle
            task.app_finished(error)
            return
        if future is None:
            task.app_finished(None)
        elif future is not _REPORTS_ITSELF:
            future.add_done_callback(functools.partial(_report, task))


if sys.version_info >= (3, 12):

    def _new_task(coroutine: Any, loop: asyncio.AbstractEventLoop) -> asyncio.Future[Any]:
        return asyncio.Task(coroutine, loop=loop, eager_start=True)  # type: ignore[call-arg,unused-ignore]

else:

    def _new_task(coroutine: Any, loop: asyncio.AbstractEventLoop) -> asyncio.Future[Any]:
        return loop.create_task(coroutine)


_REPORTS_ITSELF: Any = object()


async def _call_and_report(coroutine: Any, task: AppTask) -> None:
    # Reporting from inside the Task saves a done-callback round through the loop.
    try:
        await coroutine
    except BaseException as error:  # noqa: BLE001 - reported to the cycle
        task.app_finished(error)
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            raise
    else:
        task.app_finished(None)


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
    return AsyncioRunner(loop, eager=flavour == "neutral")


async def wait_for_callback(start: Callable[[Callable[[Any], None]], None]) -> Any:
    """Await the single value that ``start(callback)`` reports through its callback."""
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def callback(value: Any) -> None:
        if not future.done():
            future.set_result(value)

    start(callback)
    return await future


__all__ = ["AsyncioRunner", "runner_for", "wait_for_callback"]


def size_thread_pool(loop: asyncio.AbstractEventLoop, threads: int | None) -> None:
    """Give ``loop`` a default executor of ``threads`` workers (None keeps asyncio's)."""
    if threads is not None:
        loop.set_default_executor(
            concurrent.futures.ThreadPoolExecutor(threads, thread_name_prefix="albany-worker")
        )

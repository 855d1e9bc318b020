"""Driving apps on a Twisted reactor: twisted and neutral apps, as Deferreds once they wait.

Cross-flavour rule: an asyncio-flavoured app is driven by an ``AsyncioRunner`` on
the loop under Twisted's asyncio reactor; any other reactor fails at start-up.
"""

from __future__ import annotations

from inspect import iscoroutine
from typing import Any, Awaitable

import txaio.tx
from twisted.internet.defer import Deferred
from twisted.internet.threads import deferToThreadPool
from twisted.python.failure import Failure

from albany.backends.twisted.reactors import (
    asyncio_loop_of,
    asyncio_reactor_on,
    start_hosted_reactor,
)
from albany.gateway.eager import FINISHED, first_step, resume
from albany.gateway.interfaces import AppRunner, AppTask
from albany.neutral import Helpers
from albany.types import App, Flavour


async def _await(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


def as_deferred(value: Any) -> Deferred[Any]:
    """A Deferred for a coroutine, a Deferred or any awaitable."""
    if isinstance(value, Deferred):
        return value
    if not iscoroutine(value):
        value = _await(value)
    return Deferred.fromCoroutine(value)


def threads_reactor(reactor: Any) -> Any:
    """The reactor that runs threads for ``reactor``: itself, or the installed one.

    A test clock (``task.Clock``, ``MemoryReactorClock``) has ``callLater`` but neither
    ``callFromThread`` nor a thread pool; those come from the reactor actually running.
    """
    if hasattr(reactor, "callFromThread") and hasattr(reactor, "getThreadPool"):
        return reactor
    from twisted.internet import reactor as installed

    return installed


class TwistedRunner:
    """Runs app calls like ``Deferred.fromCoroutine``; futures are Deferreds.

    ``reactor`` may be a test clock: thread hand-offs then go through the installed reactor.
    """

    def __init__(self, reactor: Any) -> None:
        self._reactor = reactor
        self.create_future = Deferred
        self.helpers = Helpers(
            txaio.tx.with_config(),  # type: ignore[no-untyped-call]
            ensure_future=as_deferred,
            run_in_thread=self._run_in_thread,
            loop_name="twisted",
            call_from_thread=self._call_from_thread,
        )

    def _call_from_thread(self, fun: Any, *args: Any) -> None:
        threads_reactor(self._reactor).callFromThread(fun, *args)

    def _run_in_thread(self, fun: Any, *args: Any) -> Deferred[Any]:
        reactor = threads_reactor(self._reactor)
        return deferToThreadPool(reactor, reactor.getThreadPool(), fun, *args)

    def resolve(self, future: Deferred[Any], value: Any) -> None:
        if not future.called:
            future.callback(value)

    def run(self, app: App, scope: Any, task: AppTask) -> None:
        try:
            result = app(scope, task.receive, task.send)  # type: ignore[attr-defined]
            if iscoroutine(result):
                yielded, context = first_step(result)
                if yielded is FINISHED:
                    deferred = None
                else:
                    deferred = context.run(Deferred.fromCoroutine, resume(result, yielded))
            elif result is None:
                deferred = None
            else:
                deferred = as_deferred(result)
        except BaseException as error:  # noqa: BLE001 - reported to the cycle
            task.app_finished(error)
            return
        if deferred is None:
            task.app_finished(None)
        else:
            deferred.addBoth(_report, task)


def _report(result: Any, task: AppTask) -> None:
    task.app_finished(result.value if isinstance(result, Failure) else None)


def runner_for(flavour: Flavour, reactor: Any) -> AppRunner:
    """The runner for an app of ``flavour`` on ``reactor`` (cross-flavour rule)."""
    if flavour == "asyncio":
        from albany.backends.asyncio.runner import AsyncioRunner

        return AsyncioRunner(asyncio_loop_of(reactor))
    return TwistedRunner(reactor)


def hosted_twisted_runner(loop: Any) -> TwistedRunner:
    """A ``TwistedRunner`` on the asyncio reactor over ``loop``, a running asyncio loop."""
    reactor = asyncio_reactor_on(loop)
    start_hosted_reactor(reactor)
    return TwistedRunner(reactor)

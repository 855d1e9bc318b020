"""Blocking calls from a worker thread into the loop that serves the request."""

from __future__ import annotations

import concurrent.futures
from typing import Any, Awaitable, Callable

from albany.neutral import Helpers


class LoopBridge:
    """Lets a WSGI worker thread await the loop's ``receive``/``send`` by blocking."""

    def __init__(self, helpers: Helpers) -> None:
        self._helpers = helpers

    def call(self, function: Callable[..., Awaitable[Any]], *args: Any) -> Any:
        """Run ``await function(*args)`` on the loop; block this thread for its result."""
        outcome: concurrent.futures.Future[Any] = concurrent.futures.Future()

        async def run() -> None:
            try:
                outcome.set_result(await function(*args))
            except BaseException as error:  # noqa: BLE001 - handed to the waiting thread
                outcome.set_exception(error)

        def start() -> None:
            self._helpers.ensure_future(run())

        self._helpers.call_from_thread(start)
        return outcome.result()

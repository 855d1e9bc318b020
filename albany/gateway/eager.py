"""Starting app coroutines eagerly: the first step runs at once, in its own context.

Most requests never wait (a hello-world sends its response and returns), so the
runner creates no Task or Deferred for them: the response is written while the
request's bytes are still being handled. A coroutine that does wait is handed to
the loop with ``resume``, which carries on from where the first step stopped.
"""

from __future__ import annotations

import contextvars
from typing import Any, Coroutine, Generator, Union

_PENDING = object()


def first_step(coroutine: Coroutine[Any, Any, Any]) -> tuple[Any, contextvars.Context]:
    """Run ``coroutine`` to its first wait, in a copy of the current context.

    Returns what it yielded (the future it waits on), or ``FINISHED`` when it returned;
    raises what it raised.
    """
    context = contextvars.copy_context()
    try:
        return context.run(coroutine.send, None), context
    except StopIteration:
        return FINISHED, context


FINISHED = _PENDING
"""``first_step``'s answer for a coroutine that returned without waiting."""


Steps = Union[Coroutine[Any, Any, Any], Generator[Any, Any, Any]]
"""A started coroutine, or the generator an awaitable's ``__await__`` returned."""


class _Continuation:
    __slots__ = ("_coroutine", "_yielded")

    def __init__(self, coroutine: Steps, yielded: Any) -> None:
        self._coroutine = coroutine
        self._yielded = yielded

    def __await__(self) -> Generator[Any, Any, Any]:
        coroutine = self._coroutine
        yielded = self._yielded
        self._yielded = None
        while True:
            try:
                sent = yield yielded
            except GeneratorExit:
                coroutine.close()
                raise
            except BaseException as error:  # noqa: BLE001 - thrown in by the driver
                try:
                    yielded = coroutine.throw(error)
                except StopIteration as stop:
                    return stop.value
            else:
                try:
                    yielded = coroutine.send(sent)
                except StopIteration as stop:
                    return stop.value


async def resume(coroutine: Steps, yielded: Any) -> Any:
    """A coroutine that goes on with ``coroutine`` (or an ``__await__`` generator) after its
    first step stopped at ``yielded``."""
    return await _Continuation(coroutine, yielded)

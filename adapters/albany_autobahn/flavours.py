"""Which flavour an autobahn factory is, and the futures and timers of the loop serving it.

Importing ``autobahn.twisted.websocket`` or ``autobahn.asyncio.websocket`` switches
txaio's process-wide framework, and only one of the two can ever be imported in a
process. So the flavour is read from the factory's classes, never by importing either.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any, Literal

from albany.neutral import Helpers

FactoryFlavour = Literal["twisted", "asyncio"]

_FLAVOUR_MODULES: dict[str, FactoryFlavour] = {
    "autobahn.twisted.websocket": "twisted",
    "autobahn.asyncio.websocket": "asyncio",
}


def factory_flavour(factory: Any) -> FactoryFlavour:
    """``"twisted"`` for an ``autobahn.twisted`` server factory, ``"asyncio"`` for asyncio's."""
    for cls in type(factory).__mro__:
        if cls.__name__ == "WebSocketServerFactory":
            flavour = _FLAVOUR_MODULES.get(cls.__module__)
            if flavour is not None:
                return flavour
    raise TypeError(
        f"{factory!r} is not an autobahn WebSocketServerFactory "
        "(autobahn.twisted.websocket or autobahn.asyncio.websocket)"
    )


def loop_helpers(scope: Any) -> Helpers:
    """Albany's helpers for the loop serving ``scope``; asyncio's running loop elsewhere.

    Under Albany (or ``albany.as_asgi``) they come with the scope, of the app's flavour.
    A plain asyncio ASGI server gives none: the running loop's are made here.
    """
    albany = scope.get("extensions", {}).get("albany")
    if albany is not None:
        helpers: Helpers = albany["helpers"]
        return helpers
    import txaio.aio

    loop = asyncio.get_running_loop()
    return Helpers(
        txaio.aio.with_config(loop=loop),  # type: ignore[no-untyped-call]
        ensure_future=functools.partial(asyncio.ensure_future, loop=loop),
        run_in_thread=functools.partial(loop.run_in_executor, None),
        loop_name="asyncio",
        call_from_thread=loop.call_soon_threadsafe,
    )


def resolve_once(future: Any, value: Any) -> None:
    """Fire a Deferred or complete an asyncio future, unless it already has a result."""
    if hasattr(future, "called"):
        if not future.called:
            future.callback(value)
    elif not future.done():
        future.set_result(value)

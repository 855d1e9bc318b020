"""How an app declares the awaitables it drives (docs/spec.md, "Flavours")."""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar, get_args

from albany.types import Flavour

FLAVOUR_ATTRIBUTE = "__albany_flavour__"
FLAVOURS: tuple[str, ...] = get_args(Flavour)

A = TypeVar("A")


def flavour(name: Flavour) -> Callable[[A], A]:
    """Declare an app's flavour: ``@albany.flavour("twisted")`` above the app."""
    if name not in FLAVOURS:
        raise ValueError(f"Unknown flavour {name!r}; expected one of {', '.join(FLAVOURS)}")

    def declare(app: A) -> A:
        setattr(app, FLAVOUR_ATTRIBUTE, name)
        return app

    return declare


def flavour_of(app: Any) -> Flavour:
    """The flavour an app declared; ``asyncio`` (every plain ASGI app) when it declared none."""
    while True:
        declared = getattr(app, FLAVOUR_ATTRIBUTE, None)
        if declared is not None:
            if declared not in FLAVOURS:
                raise ValueError(f"App {app!r} declares unknown flavour {declared!r}")
            return declared  # type: ignore[no-any-return]
        if isinstance(app, functools.partial):
            app = app.func
            continue
        return "asyncio"

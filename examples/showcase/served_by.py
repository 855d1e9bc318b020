"""Which backend and loop served a request, readable from any framework's handler.

``served_by(app)`` wraps a mounted app (keeping its flavour) and puts the request's
``scope["extensions"]["albany"]`` in a context variable; ``describe()`` reads it,
plus the loop actually running, from inside a twisted.web, Tornado, aiohttp, Flask
or Starlette handler.
"""

from __future__ import annotations

import asyncio
import contextvars
import sys
from typing import Any

import albany
from albany.app_kinds import as_albany_app

_albany: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar("albany")


def served_by(app: Any) -> Any:
    """``app`` (any kind) as an Albany app that records its request's Albany extension."""
    inner = as_albany_app(app)

    def recording(scope: Any, receive: Any, send: Any) -> Any:
        _albany.set(scope.get("extensions", {}).get("albany", {}))
        return inner(scope, receive, send)

    return albany.flavour(albany.flavour_of(inner))(recording)


def describe(extension: dict[str, Any] | None = None) -> str:
    """``"Albany's uvloop backend, on uvloop"``, and so on (WSGI views pass the extension)."""
    extension = extension or _albany.get(None) or {}
    backend = extension.get("backend", "?")
    return f"Albany's {backend} backend, {running_loop()}"


def running_loop() -> str:
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    reactor = sys.modules.get("twisted.internet.reactor")
    if loop is not None:
        kind = "uvloop" if type(loop).__module__.startswith("uvloop") else "the asyncio loop"
        if reactor is not None:
            return f"on {kind}, under Twisted's {type(reactor).__name__}"
        return f"on {kind}"
    if reactor is not None:
        return f"on Twisted's {type(reactor).__name__}"
    return "in a worker thread"

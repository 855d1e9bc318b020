"""Every kind of app becomes an Albany app here, at the edge; the request cycle exists once.

========== ============================================ ==================================
interface  recognised by                                wrapped by
========== ============================================ ==================================
asgi3      ``async def app(scope, receive, send)``      nothing: it is the native kind
asgi2      a class built as ``Class(scope)``           ``ASGI2App`` (here)
twisted-web an ``IResource``, a ``Site``, a Klein app     ``albany_twisted_web.resource_app``
tornado    a Tornado ``HTTPServerConnectionDelegate``   ``albany_tornado.tornado_app``
aiohttp    an ``aiohttp.web.Application``               ``albany_aiohttp.aiohttp_app``
autobahn   an autobahn ``WebSocketServerFactory``       ``albany_autobahn.factory_app``
wsgi       ``app(environ, start_response)``             ``albany_wsgi.wsgi_app``
========== ============================================ ==================================

Detection never imports a framework: an object can only be a Tornado application
if Tornado is already imported, and so on.
"""

from __future__ import annotations

import importlib
import inspect
import math
import sys
from typing import Any, Callable

from albany.errors import MissingDependency, NotAnApp, StartupError
from albany.flavour import FLAVOUR_ATTRIBUTE
from albany.types import App

INTERFACES = ("auto", "asgi3", "asgi2", "wsgi", "twisted-web", "tornado", "aiohttp", "autobahn")

_ADAPTERS = {
    "twisted-web": ("albany_twisted_web", "resource_app", "twisted", "Twisted"),
    "tornado": ("albany_tornado", "tornado_app", "tornado", "Tornado"),
    "aiohttp": ("albany_aiohttp", "aiohttp_app", "aiohttp", "aiohttp"),
    "autobahn": ("albany_autobahn", "factory_app", "websocket", "The autobahn"),
    "wsgi": ("albany_wsgi", "wsgi_app", "", "The WSGI"),
}


def detect_interface(app: Any) -> str:
    """The interface ``app`` speaks (one of ``INTERFACES`` but ``auto``)."""
    if "twisted.web.resource" in sys.modules:
        from twisted.web.resource import IResource
        from twisted.web.server import Site

        if IResource.providedBy(app) or isinstance(app, Site) or _is_klein(app):
            return "twisted-web"
    if "tornado.httputil" in sys.modules:
        from tornado.httputil import HTTPServerConnectionDelegate

        if isinstance(app, HTTPServerConnectionDelegate):
            return "tornado"
    if "aiohttp.web" in sys.modules:
        from aiohttp.web import Application

        if isinstance(app, Application):
            return "aiohttp"
    if _is_autobahn_factory(app):
        return "autobahn"
    if hasattr(app, FLAVOUR_ATTRIBUTE):
        return "asgi3"
    if inspect.isclass(app):
        required, most = _positional_parameters(app)
        if required == 1:
            return "asgi2"
        raise NotAnApp(
            f"{_name(app)} is a class, and a class is served as an ASGI 2 app only when "
            "it is built with the scope alone (__init__(self, scope)); name an instance, "
            "or a factory with --factory"
        )
    call = app if inspect.isroutine(app) else getattr(app, "__call__", None)  # noqa: B004
    if call is None:
        raise NotAnApp(f"{app!r} is not an app: it is not callable")
    if inspect.iscoroutinefunction(call):
        return "asgi3"
    # Not declared async (a partial, a lambda, a function returning a coroutine):
    # the number of positional parameters tells the calling conventions apart.
    required, most = _positional_parameters(call)
    if required <= 3 <= most:
        return "asgi3"
    if required <= 2 <= most:
        return "wsgi"
    asgi2 = "; an ASGI 2 app(scope) needs --interface asgi2" if required <= 1 <= most else ""
    raise NotAnApp(
        f"{_name(app)} is not an app: Albany calls app(scope, receive, send) (ASGI 3) or "
        f"app(environ, start_response) (WSGI), and it takes {_count(required, most)}{asgi2}"
    )


def as_albany_app(app: Any, interface: str = "auto") -> App:
    """``app`` as an Albany app, wrapped by the adapter its interface needs."""
    if interface not in INTERFACES:
        raise StartupError(
            f"Unknown interface {interface!r}; choose one of {', '.join(INTERFACES)}"
        )
    if interface == "auto":
        interface = detect_interface(app)
    if interface == "asgi3":
        return app  # type: ignore[no-any-return]
    if interface == "asgi2":
        return ASGI2App(app)
    module_name, function, extra, what = _ADAPTERS[interface]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        hint = f': pip install "albany[{extra}]"' if extra else ""
        raise MissingDependency(f"{what} adapter is not available{hint} ({exc})") from exc
    wrap: Callable[[Any], App] = getattr(module, function)
    return wrap(app)


class ASGI2App:
    """An ASGI 2 double-callable app (``app(scope)`` returns ``instance(receive, send)``)."""

    def __init__(self, app: Callable[[Any], Any]) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        instance = self.app(scope)
        await instance(receive, send)


def _is_klein(app: Any) -> bool:
    kind = type(app)
    return kind.__name__ == "Klein" and kind.__module__.startswith("klein")


def _is_autobahn_factory(app: Any) -> bool:
    """A server factory of either autobahn flavour (by class, never importing autobahn)."""
    return any(
        kind.__name__ == "WebSocketServerFactory" and kind.__module__.startswith("autobahn.")
        for kind in type(app).__mro__
    )


def _positional_parameters(call: Callable[..., Any]) -> tuple[int, float]:
    """How many positional arguments ``call`` needs, and the most it takes (inf: ``*args``).

    A class counts its ``__init__`` without ``self``; a signature that cannot be read
    counts as ASGI's three.
    """
    try:
        parameters = inspect.signature(call).parameters.values()
    except (TypeError, ValueError):
        return 3, 3
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    positional = [p for p in parameters if p.kind in kinds]
    required = sum(1 for p in positional if p.default is p.empty)
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in parameters):
        return required, math.inf
    return required, len(positional)


def _count(required: int, most: float) -> str:
    if most == required:
        return f"{required} positional argument{'' if required == 1 else 's'}"
    return f"{required} to {most} positional arguments"


def _name(app: Any) -> str:
    module = getattr(app, "__module__", None)
    name = getattr(app, "__qualname__", None)
    return f"{module}.{name}" if module and name else repr(app)

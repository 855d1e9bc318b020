"""Detecting what kind of app an object is, and wrapping it; ASGI 2 apps on every loop."""

from __future__ import annotations

import functools
from typing import Any

import httpx
import pytest

from albany.app_kinds import ASGI2App, as_albany_app, detect_interface
from albany.errors import StartupError
from albany.testing import LiveServer
from tests.apps import contract


async def asgi3(scope: Any, receive: Any, send: Any) -> None:
    pass


class ASGI3Object:
    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        pass


class ASGI2Class:
    def __init__(self, scope: Any) -> None:
        self.scope = scope

    async def __call__(self, receive: Any, send: Any) -> None:
        pass


def wsgi(environ: Any, start_response: Any) -> list[bytes]:
    return []


@pytest.mark.parametrize(
    ("app", "interface"),
    [
        (asgi3, "asgi3"),
        (ASGI3Object(), "asgi3"),
        (contract.app, "asgi3"),
        (contract.twisted_app, "asgi3"),
        (ASGI2Class, "asgi2"),
        (lambda scope: ASGI2Class(scope), "asgi2"),
        (wsgi, "wsgi"),
    ],
    ids=["function", "object", "neutral", "twisted", "asgi2-class", "asgi2-factory", "wsgi"],
)
def test_detect_interface(app: Any, interface: str) -> None:
    assert detect_interface(app) == interface


def test_asgi3_apps_are_served_as_they_are() -> None:
    assert as_albany_app(asgi3) is asgi3


def test_asgi2_apps_are_wrapped() -> None:
    wrapped = as_albany_app(ASGI2Class)
    assert isinstance(wrapped, ASGI2App) and wrapped.app is ASGI2Class


def test_not_callable_is_a_startup_error() -> None:
    with pytest.raises(StartupError, match="is not an app"):
        as_albany_app(42)


def test_unknown_interface_is_a_startup_error() -> None:
    with pytest.raises(StartupError, match="Unknown interface 'cgi'"):
        as_albany_app(asgi3, "cgi")


def test_asgi2_app_on_every_loop(start_server: Any) -> None:
    server: LiveServer = start_server("tests.apps.asgi2:App")
    response = httpx.get(server.url + "/two")
    assert response.text == "ASGI 2 saw /two"


def returns_a_coroutine(scope: Any, receive: Any, send: Any) -> Any:
    return asgi3(scope, receive, send)


@pytest.mark.parametrize(
    "app",
    [
        returns_a_coroutine,
        lambda scope, receive, send: asgi3(scope, receive, send),
        functools.partial(lambda prefix, scope, receive, send: asgi3(scope, receive, send), "x"),
    ],
    ids=["plain-function", "lambda", "partial"],
)
def test_undeclared_async_callables_with_three_parameters_are_asgi3(app: Any) -> None:
    assert detect_interface(app) == "asgi3"

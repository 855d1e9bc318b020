"""Detecting what kind of app an object is, and wrapping it; ASGI 2 apps on every loop."""

from __future__ import annotations

import functools
import json
from typing import Any

import httpx
import pytest

from albany.app_kinds import ASGI2App, as_albany_app, detect_interface
from albany.errors import NotAnApp, StartupError
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
        (wsgi, "wsgi"),
        (lambda scope, receive=None, send=None: None, "asgi3"),
        (lambda *args: None, "asgi3"),
    ],
    ids=["function", "object", "neutral", "twisted", "asgi2-class", "wsgi", "defaults", "args"],
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


class NotBuiltWithTheScope:
    def __init__(self, debug: bool = False) -> None:
        self.debug = debug


@pytest.mark.parametrize(
    ("app", "expected"),
    [
        (lambda: None, "takes 0 positional arguments"),
        (lambda a, b, c, d: None, "takes 4 positional arguments"),
        (json.dumps, "json.dumps is not an app: Albany calls app(scope, receive, send)"),
        (NotBuiltWithTheScope, "served as an ASGI 2 app only when it is built with the scope"),
    ],
    ids=["no-arguments", "four-arguments", "json.dumps", "class-without-scope"],
)
def test_what_cannot_be_an_app_is_refused_with_what_albany_expected(
    app: Any, expected: str
) -> None:
    with pytest.raises(NotAnApp) as refused:
        as_albany_app(app)

    assert expected in str(refused.value)


def test_a_one_argument_function_is_an_asgi2_app_when_named_so() -> None:
    def factory(scope: Any) -> ASGI2Class:
        return ASGI2Class(scope)

    with pytest.raises(NotAnApp, match="needs --interface asgi2"):
        as_albany_app(factory)
    wrapped = as_albany_app(factory, "asgi2")
    assert isinstance(wrapped, ASGI2App) and wrapped.app is factory


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

"""Lifespan on a FakeRunner: start-up and shutdown outcomes in each mode, and shared state."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from albany.config import LifespanMode
from albany.gateway import Lifespan
from albany.spec import ASGI_VERSIONS
from albany.testing import FakeRunner
from albany.types import AlbanyExtension, Message

from .harness import GET, App, Gateway, Receive, Send, respond


class Outcomes:
    """Records what ``startup``/``shutdown`` report: None for success, else the message."""

    def __init__(self) -> None:
        self.reported: list[str | None] = []

    def __call__(self, failure: str | None) -> None:
        self.reported.append(failure)


def make_lifespan(
    app: App, mode: LifespanMode = "auto", state: dict[str, Any] | None = None
) -> Lifespan:
    runner = FakeRunner()
    extension: AlbanyExtension = {
        "backend": "asyncio",
        "flavour": "neutral",
        "spec_version": "test",
        "helpers": runner.helpers,
    }
    return Lifespan(app, runner, mode, {} if state is None else state, extension)


def complete_both(received: list[Message]) -> App:
    """An app that completes start-up and shutdown, recording what it receives."""

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        received.append(await receive())
        await send({"type": "lifespan.startup.complete"})
        received.append(await receive())
        await send({"type": "lifespan.shutdown.complete"})

    return app


async def no_lifespan(scope: Any, receive: Receive, send: Send) -> None:
    """An HTTP-only app: it raises on any other scope, as many frameworks do."""
    assert scope["type"] == "http", "lifespan not supported"


@pytest.mark.parametrize("mode", ["auto", "on"])
def test_startup_and_shutdown_complete(mode: LifespanMode) -> None:
    received: list[Message] = []
    lifespan = make_lifespan(complete_both(received), mode)
    started, stopped = Outcomes(), Outcomes()
    lifespan.startup(started)
    assert started.reported == [None]
    assert received == [{"type": "lifespan.startup"}]
    assert stopped.reported == []
    lifespan.shutdown(stopped)
    assert stopped.reported == [None]
    assert received[1:] == [{"type": "lifespan.shutdown"}]


def test_lifespan_scope() -> None:
    scopes: list[Any] = []
    state: dict[str, Any] = {}

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        scopes.append(scope)
        await receive()
        await send({"type": "lifespan.startup.complete"})

    make_lifespan(app, "on", state).startup(Outcomes())
    [scope] = scopes
    assert scope["type"] == "lifespan"
    assert scope["asgi"] == ASGI_VERSIONS
    assert scope["state"] is state
    assert scope["extensions"]["albany"]["backend"] == "asyncio"


@pytest.mark.parametrize("mode", ["auto", "on"])
def test_startup_failed_reports_the_apps_message(mode: LifespanMode) -> None:
    async def app(scope: Any, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "lifespan.startup.failed", "message": "database unreachable"})

    started = Outcomes()
    make_lifespan(app, mode).startup(started)
    assert started.reported == ["database unreachable"]


def test_startup_failed_without_a_message_still_fails() -> None:
    async def app(scope: Any, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "lifespan.startup.failed", "message": ""})

    started = Outcomes()
    make_lifespan(app, "auto").startup(started)
    [failure] = started.reported
    assert failure


def test_shutdown_failed_reports_the_apps_message() -> None:
    async def app(scope: Any, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "lifespan.startup.complete"})
        await receive()
        await send({"type": "lifespan.shutdown.failed", "message": "could not flush"})

    lifespan = make_lifespan(app, "on")
    lifespan.startup(Outcomes())
    stopped = Outcomes()
    lifespan.shutdown(stopped)
    assert stopped.reported == ["could not flush"]


def test_auto_mode_goes_on_when_the_app_raises(caplog: pytest.LogCaptureFixture) -> None:
    started = Outcomes()
    with caplog.at_level(logging.INFO, logger="albany.error"):
        lifespan = make_lifespan(no_lifespan, "auto")
        lifespan.startup(started)
    assert started.reported == [None]
    assert "unsupported" in caplog.text
    stopped = Outcomes()
    lifespan.shutdown(stopped)  # nothing to shut down
    assert stopped.reported == [None]


def test_auto_mode_goes_on_when_the_app_returns_at_once() -> None:
    async def app(scope: Any, receive: Receive, send: Send) -> None:
        return None

    started = Outcomes()
    make_lifespan(app, "auto").startup(started)
    assert started.reported == [None]


def test_on_mode_fails_when_the_app_raises() -> None:
    started = Outcomes()
    make_lifespan(no_lifespan, "on").startup(started)
    [failure] = started.reported
    assert failure is not None and "lifespan not supported" in failure


def test_on_mode_fails_when_the_app_returns_at_once() -> None:
    async def app(scope: Any, receive: Receive, send: Send) -> None:
        return None

    started = Outcomes()
    make_lifespan(app, "on").startup(started)
    [failure] = started.reported
    assert failure is not None


def test_off_mode_never_calls_the_app() -> None:
    calls: list[Any] = []

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        calls.append(scope)

    lifespan = make_lifespan(app, "off")
    started, stopped = Outcomes(), Outcomes()
    lifespan.startup(started)
    lifespan.shutdown(stopped)
    assert (started.reported, stopped.reported, calls) == ([None], [None], [])


def test_app_raising_during_shutdown_fails_it(caplog: pytest.LogCaptureFixture) -> None:
    async def app(scope: Any, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "lifespan.startup.complete"})
        await receive()
        raise RuntimeError("shutdown broke")

    lifespan = make_lifespan(app, "on")
    lifespan.startup(Outcomes())
    stopped = Outcomes()
    with caplog.at_level(logging.ERROR, logger="albany.error"):
        lifespan.shutdown(stopped)
    [failure] = stopped.reported
    assert failure is not None and "shutdown broke" in failure
    assert caplog.records


def test_unexpected_message_is_an_error() -> None:
    async def app(scope: Any, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "http.response.start", "status": 200})

    started = Outcomes()
    make_lifespan(app, "on").startup(started)
    [failure] = started.reported
    assert failure is not None and "http.response.start" in failure


def test_lifespan_state_is_copied_into_each_http_scope() -> None:
    seen: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await receive()
            scope["state"]["pool"] = "connections"
            await send({"type": "lifespan.startup.complete"})
            return
        seen.append(dict(scope["state"]))
        scope["state"]["per_request"] = len(seen)  # must not leak into the next request
        await respond()(scope, receive, send)

    gateway = Gateway(app)
    state = gateway.state
    started = Outcomes()
    endpoint = state.endpoints.all[0]
    Lifespan(app, gateway.runner, "on", endpoint.lifespan_state, endpoint.extension).startup(
        started
    )
    assert started.reported == [None]
    assert endpoint.lifespan_state == {"pool": "connections"}
    gateway.feed(GET + GET)
    assert seen == [{"pool": "connections"}, {"pool": "connections"}]
    assert endpoint.lifespan_state == {"pool": "connections"}
    assert [r.status for r in gateway.responses()] == [200, 200]

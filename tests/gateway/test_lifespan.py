"""Lifespan on a FakeRunner: start-up and shutdown outcomes in each mode, and shared state."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from albany.config import Config, LifespanMode
from albany.gateway import Lifespan
from albany.spec import ASGI_VERSIONS
from albany.testing import FakeRunner, ManualClock
from albany.testing.fakes import FakeFuture
from albany.types import AlbanyExtension, Message

from .harness import GET, App, Gateway, Receive, Send, respond


class Outcomes:
    """Records what ``startup``/``shutdown`` report: None for success, else the message."""

    def __init__(self) -> None:
        self.reported: list[str | None] = []

    def __call__(self, failure: str | None) -> None:
        self.reported.append(failure)


def make_lifespan(
    app: App,
    mode: LifespanMode = "auto",
    state: dict[str, Any] | None = None,
    clock: ManualClock | None = None,
    startup_timeout: float | None = None,
    shutdown_timeout: float | None = None,
) -> Lifespan:
    runner = FakeRunner(clock)
    extension: AlbanyExtension = {
        "backend": "asyncio",
        "flavour": "neutral",
        "spec_version": "test",
        "helpers": runner.helpers,
    }
    return Lifespan(
        app,
        runner,
        mode,
        {} if state is None else state,
        extension,
        clock,
        startup_timeout,
        shutdown_timeout,
    )


def pending(clock: ManualClock) -> list[Any]:
    """The clock's timers neither fired nor cancelled."""
    return [t for t in clock.timers if not t.cancelled]


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
    endpoint = state.endpoints.served[0]
    Lifespan(app, gateway.runner, "on", endpoint.lifespan_state, endpoint.extension).startup(
        started
    )
    assert started.reported == [None]
    assert endpoint.lifespan_state == {"pool": "connections"}
    gateway.feed(GET + GET)
    assert seen == [{"pool": "connections"}, {"pool": "connections"}]
    assert endpoint.lifespan_state == {"pool": "connections"}
    assert [r.status for r in gateway.responses()] == [200, 200]


def hang_at(phase: str, gate: FakeFuture) -> App:
    """An app that waits for ``gate`` before answering ``phase``, and answers the other at once."""

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        await receive()
        if phase == "startup":
            await gate
        await send({"type": "lifespan.startup.complete"})
        await receive()
        if phase == "shutdown":
            await gate
        await send({"type": "lifespan.shutdown.complete"})

    return app


@pytest.mark.parametrize("mode", ["auto", "on"])
def test_startup_timeout_fails_startup(mode: LifespanMode) -> None:
    clock, gate = ManualClock(), FakeFuture()
    lifespan = make_lifespan(hang_at("startup", gate), mode, clock=clock, startup_timeout=0.5)
    started = Outcomes()
    lifespan.startup(started)
    clock.advance(0.4)
    assert started.reported == []
    clock.advance(0.1)
    assert started.reported == ["Lifespan startup did not complete within 0.5 s"]
    gate.set(None)  # a late answer changes nothing, and the app is not sent a shutdown
    stopped = Outcomes()
    lifespan.shutdown(stopped)
    assert (started.reported[1:], stopped.reported) == ([], [None])


def test_startup_answered_in_time_cancels_its_timer() -> None:
    clock, gate = ManualClock(), FakeFuture()
    lifespan = make_lifespan(
        hang_at("startup", gate), "on", clock=clock, startup_timeout=0.5, shutdown_timeout=0.5
    )
    started, stopped = Outcomes(), Outcomes()
    lifespan.startup(started)
    assert len(pending(clock)) == 1
    clock.advance(0.4)
    gate.set(None)
    assert started.reported == [None]
    assert pending(clock) == []
    lifespan.shutdown(stopped)
    assert stopped.reported == [None]
    assert pending(clock) == []
    clock.advance(10)
    assert (started.reported, stopped.reported) == ([None], [None])


def test_startup_timeout_timer_is_cancelled_when_the_app_returns() -> None:
    async def app(scope: Any, receive: Receive, send: Send) -> None:
        await receive()
        await gate

    clock, gate = ManualClock(), FakeFuture()
    started = Outcomes()
    make_lifespan(app, "auto", clock=clock, startup_timeout=0.5).startup(started)
    gate.set(None)
    assert started.reported == [None]
    assert pending(clock) == []


def test_shutdown_timeout_fails_shutdown() -> None:
    clock, gate = ManualClock(), FakeFuture()
    lifespan = make_lifespan(hang_at("shutdown", gate), "on", clock=clock, shutdown_timeout=2)
    lifespan.startup(Outcomes())
    stopped = Outcomes()
    lifespan.shutdown(stopped)
    clock.advance(1.9)
    assert stopped.reported == []
    clock.advance(0.1)
    assert stopped.reported == ["Lifespan shutdown did not complete within 2 s"]
    gate.set(None)  # the late answer is ignored
    assert stopped.reported == ["Lifespan shutdown did not complete within 2 s"]


@pytest.mark.parametrize("timeout", [None, 0])
def test_no_timeout_waits_without_limit(timeout: float | None) -> None:
    clock, startup_gate, shutdown_gate = ManualClock(), FakeFuture(), FakeFuture()

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        await receive()
        await startup_gate
        await send({"type": "lifespan.startup.complete"})
        await receive()
        await shutdown_gate
        await send({"type": "lifespan.shutdown.complete"})

    lifespan = make_lifespan(
        app, "on", clock=clock, startup_timeout=timeout, shutdown_timeout=timeout
    )
    started, stopped = Outcomes(), Outcomes()
    lifespan.startup(started)
    clock.advance(3600)
    assert (started.reported, clock.timers) == ([], [])
    startup_gate.set(None)
    lifespan.shutdown(stopped)
    clock.advance(3600)
    assert (stopped.reported, clock.timers) == ([], [])
    shutdown_gate.set(None)
    assert (started.reported, stopped.reported) == ([None], [None])


def test_server_lifespan_takes_its_timeouts_from_the_config() -> None:
    gate = FakeFuture()
    config = Config(timeout_lifespan_startup=3, timeout_lifespan_shutdown=None)
    gateway = Gateway(hang_at("startup", gate), config)
    started = Outcomes()
    gateway.state.lifespan().startup(started)
    gateway.clock.advance(3)
    assert started.reported == ["Lifespan startup did not complete within 3 s"]

"""The app's start-up and clean-up signals through ASGI lifespan, on every loop."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import httpx

from albany.testing import LiveServer
from tests.adapters.aiohttp.conftest import SERVICE
from tests.conftest import ROOT_DIR

STARTED = ["ctx enter", "sub startup", "startup"]
STOPPED = ["shutdown", "ctx exit", "cleanup"]
"""What aiohttp's own runner does, in its order (the differential test checks it too)."""


def test_signals_run_through_lifespan(
    start_server: Callable[..., LiveServer], tmp_path: Path
) -> None:
    log = tmp_path / "events.log"
    server = start_server(SERVICE, "--factory", env={"AIOHTTP_SERVICE_EVENTS": str(log)})
    assert log.read_text().split("\n")[:-1] == STARTED
    assert httpx.get(server.url + "/").status_code == 200
    assert server.stop() == 0
    assert log.read_text().split("\n")[:-1] == STARTED + STOPPED


def test_failed_startup_stops_the_server_and_cleans_up(loop: str, tmp_path: Path) -> None:
    log = tmp_path / "events.log"
    server = LiveServer(
        "tests.adapters.aiohttp.service:make_failing_app",
        loop,
        ["--factory"],
        app_dir=ROOT_DIR,
        env={"AIOHTTP_SERVICE_EVENTS": str(log)},
    )
    try:
        server.start()
    except RuntimeError:
        pass
    else:
        server.stop()
        raise AssertionError("the server started")
    assert server.wait() == 1
    assert "Application startup failed: RuntimeError: database unreachable" in server.output()
    assert log.read_text().split("\n")[:-1] == STARTED + STOPPED[1:]

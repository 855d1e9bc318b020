"""The one loop fixture: every contract test runs on every loop Albany serves from."""

from __future__ import annotations

import os
from typing import Iterator

import pytest

from albany.testing import LOOPS, LiveServer, loop_available

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT_DIR = os.path.dirname(TESTS_DIR)


def _loops() -> list[str]:
    chosen = os.environ.get("ALBANY_TEST_LOOPS")
    return chosen.split(",") if chosen else list(LOOPS)


@pytest.fixture(params=_loops())
def loop(request: pytest.FixtureRequest) -> str:
    """A loop name; skipped when its packages are missing or a ``loops`` marker excludes it."""
    name: str = request.param
    if not loop_available(name):
        pytest.skip(f"{name} is not installed")
    marker = request.node.get_closest_marker("loops")
    if marker is not None and name not in marker.args:
        pytest.skip(f"not run on {name}")
    return name


class ServerPool:
    """Live servers kept for the session, one per (app, loop, args)."""

    def __init__(self) -> None:
        self._servers: dict[tuple[str, str, tuple[str, ...]], LiveServer] = {}

    def get(self, app: str, loop: str, *args: str) -> LiveServer:
        key = (app, loop, args)
        server = self._servers.get(key)
        if server is None or server.process.poll() is not None:
            server = LiveServer(app, loop, args, app_dir=ROOT_DIR).start()
            self._servers[key] = server
        return server

    def close(self) -> None:
        for server in self._servers.values():
            server.stop()


@pytest.fixture(scope="session")
def server_pool() -> Iterator[ServerPool]:
    pool = ServerPool()
    yield pool
    pool.close()


@pytest.fixture
def server(server_pool: ServerPool, loop: str) -> LiveServer:
    """The contract app (neutral flavour), served on ``loop`` and shared across tests."""
    return server_pool.get("tests.apps.contract:app", loop)


@pytest.fixture
def start_server(loop: str) -> Iterator[object]:
    """Start a dedicated server: ``start_server(app, *args)``; stopped after the test."""
    started: list[LiveServer] = []

    def start(
        app: str = "tests.apps.contract:app", *args: str, env: dict[str, str] | None = None
    ) -> LiveServer:
        server = LiveServer(app, loop, args, app_dir=ROOT_DIR, env=env)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()

"""Albany's own suite on its test kit: ``albany.testing.plugin`` runs each test on every loop.

The plugin gives ``albany_loop``, ``albany_server``, ``albany_start_server`` and
``albany_server_pool``; the suite knows them by their older names (``loop``, ``server``,
``start_server``, ``server_pool``) and restricts tests with ``@pytest.mark.loops(...)``.
"""

from __future__ import annotations

import os

import pytest

from albany.testing import LiveServer, ServerPool
from albany.testing.plugin import StartServer

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT_DIR = os.path.dirname(TESTS_DIR)
CONTRACT_APP = "tests.apps.contract:app"

__all__ = ["ROOT_DIR", "TESTS_DIR", "ServerPool"]


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``@pytest.mark.loops(...)`` is this suite's name for the kit's ``albany_loops`` marker."""
    marker = metafunc.definition.get_closest_marker("loops")
    if marker is not None:
        metafunc.definition.add_marker(pytest.mark.albany_loops(*marker.args))


@pytest.fixture
def albany_app() -> str:
    """The contract app (neutral flavour), unless a test module names another."""
    return CONTRACT_APP


@pytest.fixture
def loop(albany_loop: str) -> str:
    """A loop name: each test that asks for it runs on every loop of the run."""
    return albany_loop


@pytest.fixture(scope="session")
def server_pool(albany_server_pool: ServerPool) -> ServerPool:
    return albany_server_pool


@pytest.fixture
def server(albany_server: LiveServer) -> LiveServer:
    """The contract app served on ``loop`` and shared across tests."""
    return albany_server


@pytest.fixture
def start_server(albany_start_server: StartServer) -> StartServer:
    """Start a dedicated server: ``start_server(app, *args, env=...)``; stopped after the test."""
    return albany_start_server

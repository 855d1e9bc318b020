"""Servers for the twisted.web adapter tests: Albany on every loop, and Twisted's own Site."""

from __future__ import annotations

import os
import sys
from typing import Iterator

import pytest

pytest.importorskip("twisted")

from albany.testing import LiveServer  # noqa: E402
from tests.conftest import ROOT_DIR, ServerPool  # noqa: E402

SITE = "tests.adapters.twisted_web.site"


class TwistedSiteServer(LiveServer):
    """``tests.adapters.twisted_web.twisted_site`` in a subprocess: a Site on a reactor."""

    def __init__(self, *options: str) -> None:
        env = {"PYTHONPATH": ROOT_DIR + os.pathsep + os.environ.get("PYTHONPATH", "")}
        super().__init__(SITE + ":root", "twisted", env=env)
        self.options = list(options)

    def command(self) -> list[str]:
        return [sys.executable, "-m", "tests.adapters.twisted_web.twisted_site", *self.options]


@pytest.fixture(scope="session")
def twisted_site() -> Iterator[LiveServer]:
    """twisted.web's own ``Site`` on the epoll reactor serving ``site:root``: the reference."""
    server = TwistedSiteServer().start()
    yield server
    server.stop()


@pytest.fixture
def albany_site(server_pool: ServerPool, loop: str) -> LiveServer:
    """``site:root`` served by Albany on ``loop`` (shared across tests)."""
    return server_pool.get(SITE + ":root", loop)


@pytest.fixture
def mixed_site(server_pool: ServerPool, loop: str) -> LiveServer:
    """``site:streaming``: the tree, an asyncio app at /asgi, a streaming-body leaf at /upload."""
    return server_pool.get(SITE + ":streaming", loop)


@pytest.fixture(scope="session")
def dropin_site() -> Iterator[LiveServer]:
    """``site:root`` served by the drop-in ``albany_twisted_web.Site`` on the epoll reactor."""
    server = TwistedSiteServer("--albany").start()
    yield server
    server.stop()

"""Fixtures: the test application served by Albany on each loop, and by Tornado itself."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from typing import Iterator

import pytest

pytest.importorskip("tornado")

from albany.testing import LiveServer  # noqa: E402
from tests.conftest import ROOT_DIR, ServerPool  # noqa: E402

APP = "tests.adapters.tornado.webapp:app"
APPLICATION = "tests.adapters.tornado.webapp:application"


@pytest.fixture
def tornado_server(server_pool: ServerPool, loop: str) -> LiveServer:
    """The test application (with ``SERVER_OPTIONS``) served by Albany on ``loop``."""
    return server_pool.get(APP, loop)


class ReferenceServer:
    """``reference_server`` in a subprocess: Tornado's own server, or the drop-in one."""

    def __init__(self, *args: str) -> None:
        self.args = args
        self.url = ""
        self.lines: list[str] = []
        self._process: subprocess.Popen[str] | None = None
        self._drainer: threading.Thread | None = None

    def start(self) -> ReferenceServer:
        command = [sys.executable, "-m", "tests.adapters.tornado.reference_server", *self.args]
        self._process = subprocess.Popen(
            command,
            cwd=ROOT_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=dict(os.environ, PYTHONUNBUFFERED="1"),
        )
        assert self._process.stdout is not None
        for line in self._process.stdout:
            self.lines.append(line)
            match = re.search(r"serving on (https?://\S+)", line)
            if match:
                self.url = match.group(1)
                break
        if not self.url:
            raise RuntimeError("reference server did not start:\n" + "".join(self.lines))
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()
        return self

    def _drain(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        for line in self._process.stdout:
            self.lines.append(line)

    def stop(self) -> int | None:
        if self._process is None:
            return None
        self._process.send_signal(signal.SIGTERM)
        try:
            return self._process.wait(15)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(5)
            raise
        finally:
            if self._drainer is not None:
                self._drainer.join(5)
            if self._process.stdout is not None:
                self._process.stdout.close()


@pytest.fixture(scope="session")
def reference() -> Iterator[ReferenceServer]:
    """Tornado's own ``HTTPServer`` serving the same application with ``SERVER_OPTIONS``."""
    server = ReferenceServer().start()
    yield server
    server.stop()

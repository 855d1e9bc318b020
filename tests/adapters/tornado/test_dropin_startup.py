"""``albany_tornado.HTTPServer`` started the way Tornado scripts start Tornado's own."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT_DIR

BACKENDS = {
    "asyncio": "asyncio",
    "uvloop": "asyncio",
    "twisted": "twisted",
    "twisted-asyncio": "twisted",
    "tornado": "tornado",
}
"""The drop-in's backend for each loop of the run: uvloop is the asyncio backend on uvloop;
the drop-in's Twisted backend is always on the asyncio reactor (Tornado needs an asyncio loop)."""


def classic_startup(loop: str) -> dict[str, object]:
    if loop == "uvloop":
        pytest.importorskip("uvloop")
    command = [sys.executable, "-m", "tests.adapters.tornado.classic_startup", BACKENDS[loop]]
    if loop == "uvloop":
        command.append("--uvloop")
    done = subprocess.run(command, cwd=ROOT_DIR, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


def test_listen_before_the_loop_runs_then_serve(loop: str) -> None:
    assert classic_startup(loop)["body"] == "hello"


def test_listen_logs_nothing(loop: str) -> None:
    assert classic_startup(loop)["logs"] == []

"""``--workers`` and its companions: parsing, refusals, ``albany.run(workers=...)``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

import albany
from albany.cli import build_parser, config_from_args
from albany.workers.supervisor import worker_count

from ..conftest import ROOT_DIR
from .harness import WAIT, Supervised, get


def test_workers_take_a_number_or_auto() -> None:
    parse = build_parser().parse_args
    assert config_from_args(parse(["a:b", "--workers", "3"])).workers == 3
    assert config_from_args(parse(["a:b", "--workers", "auto"])).workers == "auto"
    assert config_from_args(parse(["a:b"])).workers is None
    assert worker_count("auto") >= 1
    assert worker_count(2) == 2


@pytest.mark.parametrize("value", ["0", "-1", "many"])
def test_a_worker_count_below_one_is_an_argument_error(value: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["a:b", "--workers", value])
    assert exit_info.value.code == 2


def test_max_requests_without_workers_is_refused() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "albany", "tests.workers.apps:app", "--max-requests", "5"],
        cwd=ROOT_DIR,
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert result.returncode == 1
    assert "--max-requests replaces workers: it needs --workers" in result.stderr


def test_run_with_workers_needs_the_app_by_name() -> None:
    with pytest.raises(albany.StartupError, match="'MODULE:ATTR'"):
        albany.run(lambda scope, receive, send: None, workers=2)


def test_run_with_workers_serves_an_app_named_by_a_string() -> None:
    code = (
        "import albany, sys; "
        "sys.exit(albany.run('tests.workers.apps:app', workers=2, port=0, access_log=False))"
    )
    server = Supervised(None, None)
    server.command = [sys.executable, "-c", code]
    with server:
        status, body = get(server.port)
        assert status == 200 and int(body) in server.serving_pids()
        assert os.getpid() != int(body)
        server.signal(signal.SIGTERM)
        assert server.wait() == 0

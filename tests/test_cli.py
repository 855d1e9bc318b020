"""The ``albany`` command: start-up errors are one clear line, no traceback, non-zero exit."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from albany.cli import build_parser, config_from_args
from albany.config import Config
from albany.testing import LiveServer, loop_arguments
from tests.conftest import ROOT_DIR

BLOCKED = os.path.join(ROOT_DIR, "tests", "fixtures", "blocked")


def run_albany(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "albany", *args, "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT_DIR,
        env=dict(os.environ, **(env or {})),
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [f"albany: error: {expected}"], result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("nocolon", "Import string 'nocolon' must be in format '<module>:<attribute>'"),
        ("no_such_module_xyz:app", "Could not import module 'no_such_module_xyz'"),
        (
            "tests.apps.contract:missing",
            "Attribute 'missing' not found in module 'tests.apps.contract'",
        ),
        (
            "tests.apps.broken:app",
            "Could not import module 'tests.apps.broken': "
            "RuntimeError: this module is broken on purpose",
        ),
    ],
)
def test_bad_app_target(target: str, message: str) -> None:
    assert_one_line_error(run_albany(target), message)


def test_traceback_shown_with_debug_log_level() -> None:
    result = run_albany("tests.apps.broken:app", "--log-level", "debug")
    assert result.returncode != 0
    assert "Traceback" in result.stderr
    assert "this module is broken on purpose" in result.stderr


def test_port_in_use(loop: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "albany",
                "tests.apps.contract:app",
                "--port",
                str(port),
                *loop_arguments(loop),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT_DIR,
        )
    assert_one_line_error(result, f"Address 127.0.0.1:{port} is already in use")


@pytest.mark.parametrize(
    ("loop", "extra", "name"),
    [
        ("twisted", "twisted", "Twisted"),
        ("tornado", "tornado", "Tornado"),
        ("uvloop", "uvloop", "uvloop"),
    ],
)
def test_missing_loop_names_the_extra(loop: str, extra: str, name: str) -> None:
    env = {"PYTHONPATH": BLOCKED + os.pathsep + os.environ.get("PYTHONPATH", "")}
    result = run_albany("tests.apps.contract:app", "--loop", loop, env=env)
    assert_one_line_error(result, f'{name} is not installed: pip install "albany[{extra}]"')


def test_import_albany_needs_no_loop_or_framework() -> None:
    code = (
        "import sys, albany, albany.testing;"
        "loaded = [m for m in ('twisted', 'tornado', 'uvloop', 'aiohttp') if m in sys.modules];"
        "assert not loaded, loaded; print(albany.__version__)"
    )
    env = dict(os.environ, PYTHONPATH=BLOCKED)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr


def test_serves_on_asyncio_with_no_other_loop_installed() -> None:
    env = {"PYTHONPATH": BLOCKED + os.pathsep + ROOT_DIR}
    with LiveServer("tests.apps.contract:app", "asyncio", env=env) as server:
        import httpx

        assert httpx.get(server.url + "/").text == "Hello, world!"


def test_python_dash_m_and_console_script_agree() -> None:
    script = os.path.join(os.path.dirname(sys.executable), "albany")
    result = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0
    assert "--timeout-graceful-shutdown" in result.stdout
    assert "--access-log, --no-access-log" in result.stdout


@pytest.mark.parametrize(
    ("args", "startup", "shutdown"),
    [
        ([], 60.0, 60.0),
        (["--timeout-lifespan-startup", "0.5", "--timeout-lifespan-shutdown", "2"], 0.5, 2.0),
        (["--timeout-lifespan-startup", "0", "--timeout-lifespan-shutdown", "0"], None, None),
    ],
)
def test_lifespan_timeouts(args: list[str], startup: float | None, shutdown: float | None) -> None:
    config = config_from_args(build_parser().parse_args(["app:app", *args]))
    assert (config.timeout_lifespan_startup, config.timeout_lifespan_shutdown) == (
        startup,
        shutdown,
    )


def test_connection_limits_default_to_config_and_are_taken_from_the_options() -> None:
    names = ("timeout_body", "timeout_write", "max_pipelined_requests")
    names += ("timeout_linger", "linger_max_size")
    defaults = config_from_args(build_parser().parse_args(["app:app"]))
    config = Config()
    assert [getattr(defaults, name) for name in names] == [getattr(config, name) for name in names]
    given = config_from_args(
        build_parser().parse_args(
            ["app:app", "--timeout-body", "3", "--timeout-write", "4"]
            + ["--limit-pipelined-requests", "5", "--timeout-linger", "6"]
            + ["--limit-linger-size", "7"]
        )
    )
    assert [getattr(given, name) for name in names] == [3.0, 4.0, 5, 6.0, 7]

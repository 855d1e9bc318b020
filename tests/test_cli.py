"""The ``albany`` command: start-up errors are one clear line, no traceback, non-zero exit."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

import albany
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


def test_a_live_server_env_may_set_what_it_sets_itself() -> None:
    env = {"PYTHONUNBUFFERED": "1", "PYTHONPATH": ROOT_DIR}
    with LiveServer("tests.apps.contract:app", "asyncio", env=env) as server:
        import httpx

        assert httpx.get(server.url + "/").text == "Hello, world!"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--port", "99999"], "argument --port: must be between 0 and 65535, not 99999"),
        (["--fd", "99"], "argument --fd: 99 is not an open socket of this process"),
        (["--threads", "0"], "argument --threads: must be a number of at least 1, not 0"),
        (
            ["--timeout-keep-alive", "-1"],
            "argument --timeout-keep-alive: must be a number of at least 0, not -1.0",
        ),
        (
            ["--limit-body-size", "-5"],
            "argument --limit-body-size: must be a number of at least 0, not -5",
        ),
        (
            ["--ws-ping-timeout", "nan"],
            "argument --ws-ping-timeout: must be a number of at least 0, not nan",
        ),
        (["--ssl-cert-reqs", "7"], "argument --ssl-cert-reqs: must be one of 0, 1, 2, not 7"),
        (["--loop", "nope"], "argument --loop: invalid choice: 'nope'"),
    ],
    ids=lambda value: value[0] if isinstance(value, list) else None,
)
def test_an_option_out_of_range_is_one_line_and_exit_status_2(
    args: list[str], expected: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "albany", "tests.apps.contract:app", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT_DIR,
    )

    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"albany: error: {expected}"), line


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("json:dumps", "json.dumps is not an app: Albany calls app(scope, receive, send)"),
        ("tests.apps.contract:__name__", "is not an app: it is not callable"),
    ],
)
def test_an_object_that_cannot_be_an_app_is_refused_at_start_up(target: str, expected: str) -> None:
    result = run_albany(target)

    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("albany: error: ") and expected in line, line


def test_settings_out_of_range_are_refused_from_python_too() -> None:
    with pytest.raises(ValueError, match="port must be between 0 and 65535, not 70000"):
        albany.Config(port=70000)
    with pytest.raises(ValueError, match="max_header_count must be a number of at least 1"):
        albany.Limits(max_header_count=0)


def test_reload_with_workers_is_refused() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "albany", "tests.apps.contract:app", "--reload", "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT_DIR,
    )

    assert result.returncode == 2
    assert result.stderr.strip() == (
        "albany: error: --reload and --workers do not go together: --reload is for development"
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

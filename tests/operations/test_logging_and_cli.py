"""--access-log-format, --log-config, --env-file and --version, on every loop."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

import albany
from albany.envfile import parse_env_file
from albany.gateway.access import AccessAtoms, check_format
from albany.http1.events import Request
from albany.testing import LiveServer
from tests.observe import wait_for_output

APP = "tests.operations.app:app"
ATOMS = "%(h)s|%(m)s|%(U)s|%(q)s|%(s)s|%(B)s|%(D)s|%({x-request-id}i)s|%(f)s|%(a)s|%(r)s"


def test_access_log_format_atoms(start_server: Any) -> None:
    server: LiveServer = start_server(APP, "--access-log-format", "ACCESS " + ATOMS)
    headers = {"x-request-id": "req-42", "referer": "http://ref/", "user-agent": "probe/1"}
    with httpx.Client() as client:
        local = client.get(server.url + "/env?name=PATH", headers=headers)
    assert local.status_code == 200
    line = wait_for_output(server, "ACCESS ")
    atoms = line.split("ACCESS ", 1)[1].split("|")
    assert atoms[0] == "127.0.0.1"
    assert atoms[1:5] == ["GET", "/env", "name=PATH", "200"]
    assert atoms[5] == str(len(local.content))
    assert int(atoms[6]) >= 0  # microseconds
    assert atoms[7:10] == ["req-42", "http://ref/", "probe/1"]
    assert atoms[10] == "GET /env?name=PATH HTTP/1.1"


def test_access_log_names_the_forwarded_client(start_server: Any) -> None:
    server: LiveServer = start_server(APP, "--proxy-headers")
    httpx.get(server.url + "/first", headers={"x-forwarded-for": "203.0.113.9"})
    line = wait_for_output(server, '"GET /first HTTP/1.1" 200')
    assert line.split()[1].startswith("203.0.113.9:"), line
    formatted: LiveServer = start_server(
        APP, "--proxy-headers", "--access-log-format", "ACCESS %(h)s %(U)s"
    )
    httpx.get(formatted.url + "/second", headers={"x-forwarded-for": "198.51.100.4"})
    assert wait_for_output(formatted, "ACCESS ").endswith("ACCESS 198.51.100.4 /second")


def test_forwarded_client_is_not_logged_from_an_untrusted_peer(start_server: Any) -> None:
    server: LiveServer = start_server(APP, "--proxy-headers", "--forwarded-allow-ips", "10.0.0.1")
    httpx.get(server.url + "/", headers={"x-forwarded-for": "203.0.113.9"})
    line = wait_for_output(server, '"GET / HTTP/1.1" 200')
    assert line.split()[1].startswith("127.0.0.1:"), line


def _wait_for_file_line(path: Path, text: str, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            for line in path.read_text().splitlines():
                if text in line:
                    return line
        time.sleep(0.02)
    return ""


def test_log_config_json_gives_structured_access_lines(start_server: Any, tmp_path: Path) -> None:
    log = tmp_path / "access.jsonl"
    config = {
        "version": 1,
        "formatters": {
            "json": {"format": '{"logger": "%(name)s", "line": "%(message)s"}'},
        },
        "handlers": {
            "file": {"class": "logging.FileHandler", "filename": str(log), "formatter": "json"}
        },
        "loggers": {"albany.access": {"handlers": ["file"], "level": "INFO"}},
    }
    path = tmp_path / "logging.json"
    path.write_text(json.dumps(config))
    server: LiveServer = start_server(
        APP, "--log-config", str(path), "--access-log-format", "%(m)s %(U)s %(s)s"
    )
    httpx.get(server.url + "/logged")
    line = _wait_for_file_line(log, "/logged")
    assert json.loads(line) == {"logger": "albany.access", "line": "GET /logged 200"}


@pytest.mark.loops("asyncio")
def test_log_config_ini(start_server: Any, tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    path = tmp_path / "logging.ini"
    path.write_text(
        "[loggers]\nkeys=root,access\n\n"
        "[handlers]\nkeys=file\n\n"
        "[formatters]\nkeys=plain\n\n"
        "[logger_root]\nlevel=WARNING\nhandlers=\n\n"
        "[logger_access]\nlevel=INFO\nhandlers=file\nqualname=albany.access\npropagate=0\n\n"
        f"[handler_file]\nclass=FileHandler\nformatter=plain\nargs=({str(log)!r},)\n\n"
        "[formatter_plain]\nformat=INI %(message)s\n"
    )
    server: LiveServer = start_server(APP, "--log-config", str(path))
    httpx.get(server.url + "/ini")
    assert _wait_for_file_line(log, "/ini").startswith("INI ")


def test_a_broken_log_config_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.ini"
    path.write_text("[loggers]\nkeys=root\n[loggers]\n")
    result = subprocess.run(
        [sys.executable, "-m", "albany", APP, "--log-config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith(f"albany: error: --log-config {path}: ")
    assert "Traceback" not in result.stderr


def test_env_file_sets_variables_before_the_app_is_imported(
    start_server: Any, tmp_path: Path
) -> None:
    env = tmp_path / ".env"
    env.write_text(
        '# settings\nexport ALBANY_TEST_GREETING="hello there"\nALBANY_TEST_N=3 # three\n'
    )
    server: LiveServer = start_server(APP, "--env-file", str(env))
    assert httpx.get(server.url + "/env?name=ALBANY_TEST_GREETING").text == "hello there"
    assert httpx.get(server.url + "/env?name=ALBANY_TEST_N").text == "3"


@pytest.mark.loops("asyncio")
def test_env_file_can_set_forwarded_allow_ips(start_server: Any, tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("FORWARDED_ALLOW_IPS=10.9.9.9\n")
    server: LiveServer = start_server(APP, "--proxy-headers", "--env-file", str(env))
    httpx.get(server.url + "/", headers={"x-forwarded-for": "203.0.113.9"})
    line = wait_for_output(server, '"GET / HTTP/1.1" 200')
    assert line.split()[1].startswith("127.0.0.1:"), line  # 127.0.0.1 is no longer trusted


def test_parse_env_file_rules() -> None:
    text = 'A=1\n\n  # c\nexport B = \'two # not a comment\'\nC="x\\ny \\"q\\""\nD=plain # note\n'
    assert parse_env_file(text) == {
        "A": "1",
        "B": "two # not a comment",
        "C": 'x\ny "q"',
        "D": "plain",
    }
    with pytest.raises(ValueError, match="line 1"):
        parse_env_file("not a setting\n")
    with pytest.raises(ValueError, match="unterminated"):
        parse_env_file("A='open\n")


def test_a_missing_env_file_is_a_one_line_error(tmp_path: Path) -> None:
    missing = str(tmp_path / "none.env")
    result = subprocess.run(
        [sys.executable, "-m", "albany", APP, "--env-file", missing],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith(f"albany: error: --env-file {missing}: ")


def test_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "albany", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.startswith(f"albany {albany.__version__} with ")


def test_a_bad_access_log_format_is_refused() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "albany", APP, "--access-log-format", "%(h)d"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "--access-log-format" in result.stderr


def test_access_atoms_unknown_and_missing() -> None:
    request = Request(
        "POST",
        "1.0",
        b"/a%20b",
        "/a b",
        b"",
        [(b"x-n", b"1"), (b"x-n", b"2")],
        False,
        False,
        True,
        None,
    )
    atoms = AccessAtoms(request, None, 201, 0, 1.5, 0.0)
    line = "%(h)s %(q)s %(b)s %(B)s %(T)s %(M)s %(H)s %(zz)s %({x-n}i)s"
    assert line % atoms == (  # noqa: UP031 - the access log formats with %
        "- - - 0 1 1500 HTTP/1.0 - 1,2"
    )
    assert atoms["t"] == "[01/Jan/1970:00:00:00 +0000]"
    assert atoms["p"] == str(os.getpid())
    check_format("%(h)s")
    with pytest.raises(ValueError):
        check_format("%(h)q")

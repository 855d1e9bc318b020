"""The container recipe (``docs/deploy/Dockerfile``, ``entrypoint.sh``) and readiness during a
drain, on every loop: the entry point runs Albany as its own process (``exec``), configured
from the environment, and SIGTERM drains it; the listener closes first, so a load balancer's
health check fails at once while in-flight requests finish."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from albany.testing import LiveServer
from albany.testing.live import loop_arguments
from tests.conftest import ROOT_DIR

DEPLOY = Path(ROOT_DIR) / "docs" / "deploy"


def test_dockerfile_runs_the_entry_point() -> None:
    lines = (DEPLOY / "Dockerfile").read_text().splitlines()
    assert "COPY entrypoint.sh /usr/local/bin/albany-entrypoint" in lines
    assert 'ENTRYPOINT ["/usr/local/bin/albany-entrypoint"]' in lines
    assert "STOPSIGNAL SIGTERM" in lines


def test_entry_point_serves_from_the_environment(loop: str, tmp_path: Path) -> None:
    bin_dir = os.path.dirname(sys.executable)
    env = dict(
        os.environ,
        PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""),
        PYTHONPATH=os.pathsep.join([ROOT_DIR, str(Path(ROOT_DIR) / "adapters")]),
        PYTHONUNBUFFERED="1",
        ALBANY_APP="tests.operations.app:app",
        HOST="127.0.0.1",
        PORT="0",
        ALBANY_ARGS=" ".join(loop_arguments(loop)),
        FORWARDED_ALLOW_IPS="127.0.0.1",
    )
    process = subprocess.Popen(
        ["sh", str(DEPLOY / "entrypoint.sh")],
        cwd=ROOT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = None
        for line in process.stdout:
            if "serving on http://127.0.0.1:" in line:
                port = int(line.split("http://127.0.0.1:", 1)[1].split()[0])
                break
        assert port is not None, "no serving line"
        page = httpx.get(
            f"http://127.0.0.1:{port}/env?name=ALBANY_APP",
            headers={"x-forwarded-for": "203.0.113.5"},
        )
        assert page.text == "tests.operations.app:app"
        process.send_signal(signal.SIGTERM)  # to the shell's pid: exec made it Albany's
        assert process.wait(30) == 0
        rest = process.stdout.read()
        # --proxy-headers from the entry point, FORWARDED_ALLOW_IPS from the environment
        assert '203.0.113.5:0 - "GET /env?name=ALBANY_APP HTTP/1.1" 200' in rest, rest
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(30)
        if process.stdout is not None:
            process.stdout.close()


def test_a_draining_server_refuses_new_connections_at_once(start_server: Any) -> None:
    server: LiveServer = start_server("tests.apps.contract:app")
    result: dict[str, Any] = {}

    def slow_request() -> None:
        result["response"] = httpx.get(server.url + "/sleep?s=3", timeout=30)

    worker = threading.Thread(target=slow_request)
    worker.start()
    assert _wait_for_in_flight(server)
    server.signal(signal.SIGTERM)
    assert _wait_for_refusal(server), "the listener stayed open during the drain"
    assert worker.is_alive()  # refused while the request in flight is still being served
    worker.join(30)
    assert result["response"].text == "slept"
    assert server.wait(30) == 0


def _wait_for_in_flight(server: LiveServer) -> bool:
    """Wait until the server holds an established connection (the app sleeps in it)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        listing = subprocess.run(
            ["ss", "-Htn", "state", "established", f"sport = :{server.port}"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        if listing.strip():
            return True
        time.sleep(0.02)
    return False


def _wait_for_refusal(server: LiveServer) -> bool:
    """Poll with new connections until one is refused."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection((server.host, server.port), timeout=5).close()
        except ConnectionRefusedError:
            return True
        time.sleep(0.02)
    return False

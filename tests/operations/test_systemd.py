"""systemd socket activation on every loop, with Debian's ``systemd-socket-activate`` and the
units in ``docs/deploy``: the socket unit's ``ListenStream`` lines (a Unix socket and TCP)
and the service unit's ``ExecStart`` command, pointed at a test app."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from albany.testing.live import loop_arguments
from tests.conftest import ROOT_DIR

ACTIVATE = shutil.which("systemd-socket-activate")
pytestmark = pytest.mark.skipif(
    ACTIVATE is None,
    reason="needs systemd-socket-activate (Debian's systemd package: scripts/system-deps)",
)
DEPLOY = Path(ROOT_DIR) / "docs" / "deploy"


def unit_values(unit: str, key: str) -> list[str]:
    """Every ``key=value`` of a unit file, in order."""
    lines = (DEPLOY / unit).read_text().splitlines()
    return [line.split("=", 1)[1] for line in lines if line.startswith(f"{key}=")]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Activated:
    """``systemd-socket-activate`` holding the sockets, then running Albany with them."""

    def __init__(self, listen: list[str], command: list[str]) -> None:
        assert ACTIVATE is not None
        env = ["-E", "PATH", "-E", "PYTHONPATH", "-E", "PYTHONUNBUFFERED=1"]
        args = [ACTIVATE, *(a for address in listen for a in ("-l", address)), *env, *command]
        self.process = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=dict(
                os.environ, PYTHONPATH=os.pathsep.join([ROOT_DIR, str(Path(ROOT_DIR) / "adapters")])
            ),
        )
        self.lines: list[str] = []
        self._listening = threading.Event()
        self._count = len(listen)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            if sum(item.startswith("Listening on") for item in self.lines) == self._count:
                self._listening.set()
        self._listening.set()

    def wait_listening(self) -> None:
        assert self._listening.wait(30), self.output()

    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, text: str, timeout: float = 30.0) -> bool:
        """Whether ``text`` shows in the output within ``timeout`` (polled)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output():
                return True
            time.sleep(0.02)
        return False

    def stop(self) -> None:
        """SIGTERM (SIGKILL if it does not exit), then close the output pipe."""
        process = self.process
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(30)
        self._reader.join(30)
        if process.stdout is not None:
            process.stdout.close()


@pytest.fixture
def activated(loop: str, tmp_path: Path) -> Iterator[tuple[Activated, str, int]]:
    listen = unit_values("albany.socket", "ListenStream")
    assert listen == ["/run/albany/albany.sock", "127.0.0.1:8000"]
    path, port = str(tmp_path / "albany.sock"), free_port()
    addresses = [path, f"127.0.0.1:{port}"]
    (exec_start,) = unit_values("albany.service", "ExecStart")
    command = shlex.split(exec_start)
    assert command[0].endswith("/bin/albany") and command[1] == "myproject.web:app"
    command = [sys.executable, "-m", "albany", "tests.operations.app:app", *command[2:]]
    command += [*loop_arguments(loop), "--app-dir", ROOT_DIR]
    server = Activated(addresses, command)
    try:
        server.wait_listening()
        yield server, path, port
    finally:
        server.stop()


def test_socket_activation_serves_every_socket(activated: tuple[Activated, str, int]) -> None:
    server, path, port = activated
    # The first connection starts Albany; it waits in the backlog meanwhile.
    response = httpx.get(f"http://127.0.0.1:{port}/env?name=LISTEN_FDS", timeout=60)
    assert response.status_code == 404  # Albany took the variables out of its environment
    unix = httpx.Client(transport=httpx.HTTPTransport(uds=path), timeout=30)
    with unix:
        assert unix.get("http://albany/").text == "ok"
    assert server.wait_for(f"serving on unix:{path}"), server.output()
    assert server.wait_for(f"serving on http://127.0.0.1:{port}"), server.output()
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(30) == 0
    assert "Traceback" not in server.output()


def test_socket_activation_passes_the_pid_check(activated: tuple[Activated, str, int]) -> None:
    server, _, port = activated
    with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
        raw.sendall(b"GET /env?name=PATH HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := raw.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert server.wait_for("Albany serving on"), server.output()

"""Real proxies started by the tests: a config from ``docs/deploy/``, run in the foreground
as the current user on a free 127.0.0.1 port, ready once it accepts a connection, stopped by
its pid. Skips, naming the binary, where ``scripts/system-deps`` could not install it."""

from __future__ import annotations

import getpass
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Iterator, Sequence

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "docs" / "deploy"


def binary(name: str) -> str:
    """The path of ``name`` (also looked for in /usr/sbin), or skip the test."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")
    if found is None:
        pytest.skip(f"{name} is not installed (scripts/system-deps installs it)")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def render(template: str, tmp: Path, **fields: str) -> Path:
    """``docs/deploy/TEMPLATE`` with its ``{{field}}``s filled, written to ``tmp``."""
    text = (DEPLOY / template).read_text()
    for name, value in dict(fields, tmp=str(tmp)).items():
        text = text.replace("{{" + name + "}}", value)
    assert re.search(r"\{\{[a-z]+\}\}", text) is None, text
    path = tmp / template
    path.write_text(text)
    return path


def wait_connectable(port: int, process: subprocess.Popen[bytes], timeout: float = 15) -> None:
    """Until 127.0.0.1:``port`` accepts a connection (or the process died: fail with why)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                output = process.communicate()[0].decode(errors="replace")
                raise RuntimeError(f"proxy did not start: {output}") from None
            time.sleep(0.05)


def run_proxy(command: Sequence[str], port: int, pid_file: Path) -> Iterator[None]:
    """Run ``command`` until the test ends; stop it by the pid in ``pid_file`` (else its own)."""
    process = subprocess.Popen(
        list(command), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        wait_connectable(port, process)
        yield
    finally:
        pid = int(pid_file.read_text().split()[0]) if pid_file.exists() else process.pid
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def nginx(tmp: Path, upstream: str) -> tuple[int, Iterator[None]]:
    """nginx from ``docs/deploy/nginx.conf`` in front of ``upstream``: (its port, its run)."""
    path = binary("nginx")
    port = free_port()
    config = render("nginx.conf", tmp, listen=f"127.0.0.1:{port}", upstream=upstream)
    if os.geteuid() == 0:  # workers would switch to nobody, who cannot read tmp
        config.write_text(f"user {getpass.getuser()};\n" + config.read_text())
    command = [path, "-p", str(tmp), "-c", str(config)]
    return port, run_proxy(command, port, tmp / "nginx.pid")


def haproxy(tmp: Path, upstream: str) -> tuple[int, Iterator[None]]:
    """HAProxy from ``docs/deploy/haproxy.cfg`` sending PROXY v2 to ``upstream``."""
    path = binary("haproxy")
    port = free_port()
    config = render("haproxy.cfg", tmp, listen=f"127.0.0.1:{port}", upstream=upstream)
    return port, run_proxy([path, "-db", "-f", str(config)], port, tmp / "haproxy.pid")

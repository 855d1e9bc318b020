"""Albany apps of every flavour under uvicorn, hypercorn and daphne (``albany.as_asgi``)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from typing import Iterator

import httpx
import pytest

from tests.conftest import ROOT_DIR

pytest.importorskip("twisted")

SERVERS = {
    "uvicorn": "-m uvicorn {app} --host 127.0.0.1 --port {port} --log-level warning",
    "hypercorn": "-m hypercorn {app} --bind 127.0.0.1:{port} --log-level warning",
    "daphne": "-m daphne -b 127.0.0.1 -p {port} {app}",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(params=sorted(SERVERS))
def host(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    pytest.importorskip(name)
    return name


def serve(host: str, app: str) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, *SERVERS[host].format(app=app, port=port).split()]
    log = tempfile.TemporaryFile(mode="w+")  # a pipe nobody reads could fill and block it
    process = subprocess.Popen(
        command,
        cwd=ROOT_DIR,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        env=dict(os.environ, PYTHONPATH=ROOT_DIR),
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.05)
    output = ""
    try:
        if process.poll() is not None:
            raise RuntimeError(f"{host} did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            log.seek(0)
            output = log.read()
            log.close()
    assert process.returncode in (0, -signal.SIGTERM), f"{host} exited {process.returncode}"
    assert "Traceback" not in output, output


def test_neutral_app(host: str) -> None:
    for url in serve(host, "tests.apps.guests:neutral"):
        scope = httpx.get(url + "/scope").json()
        assert scope["flavour"] == "neutral" and scope["helpers"] == "asyncio"
        if host != "daphne":  # daphne runs no lifespan
            assert scope["state"] == {"started": True}
        assert httpx.get(url + "/sleep?s=0.01").text == "slept"
        assert httpx.get(url + "/thread").text == "6"
        assert httpx.post(url + "/echo", content=b"e" * 100_000).content == b"e" * 100_000


def test_twisted_app_gets_the_asyncio_reactor_on_the_hosts_loop(host: str) -> None:
    for url in serve(host, "tests.apps.guests:twisted"):
        scope = httpx.get(url + "/scope").json()
        assert scope["flavour"] == "twisted" and scope["helpers"] == "twisted"
        assert httpx.get(url + "/native").text == "twisted AsyncioSelectorReactor"
        assert httpx.get(url + "/thread").text == "6"
        assert httpx.get(url + "/gather").json() == [2, 4, 6]
        assert httpx.post(url + "/echo", content=b"t" * 100_000).content == b"t" * 100_000


def test_mount_of_mixed_flavours(host: str) -> None:
    for url in serve(host, "tests.apps.guests:mixed"):
        assert httpx.get(url + "/twisted/native").text == "twisted AsyncioSelectorReactor"
        assert httpx.get(url + "/scope").json()["flavour"] == "neutral"
        if host != "daphne":  # daphne runs no lifespan
            assert httpx.get(url + "/twisted/scope").json()["state"] == {"started": True}

"""An asyncio factory's ``factory_app`` as a plain ASGI app under uvicorn and hypercorn.

No ``albany`` extension there: the adapter makes its futures on the host's running loop.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from typing import Iterator

import pytest

from tests.adapters.autobahn.conftest import MODULES
from tests.conftest import ROOT_DIR

websockets = pytest.importorskip("websockets")
from websockets.asyncio.client import connect  # noqa: E402

HOSTS = {
    "uvicorn": "-m uvicorn {app} --host 127.0.0.1 --port {port} --log-level warning",
    "hypercorn": "-m hypercorn {app} --bind 127.0.0.1:{port} --log-level warning",
}


@pytest.fixture(params=sorted(HOSTS))
def host(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    pytest.importorskip(name)
    return name


@contextmanager
def hosted(host: str, app: str) -> Iterator[str]:
    """``app`` served by ``host`` in a subprocess; its ``ws://`` base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, *HOSTS[host].format(app=app, port=port).split()]
    path = os.pathsep.join([ROOT_DIR, os.environ.get("PYTHONPATH", "")])
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(
            command, cwd=ROOT_DIR, stdout=log, stderr=subprocess.STDOUT, text=True,
            env=dict(os.environ, PYTHONPATH=path),
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 20
            while process.poll() is None and time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.05)
            assert process.poll() is None, f"{host} did not start"
            yield f"ws://127.0.0.1:{port}"
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.seek(0)
            output = log.read()
        assert "Traceback" not in output, output


def test_asyncio_factory_under_another_asgi_server(host: str) -> None:
    async def talk(url: str) -> None:
        async with connect(url + "/echo/hosted?slow=1", subprotocols=["chat"]) as ws:  # type: ignore[list-item]
            assert ws.subprotocol == "chat"
            for message in ("text", b"bytes", ""):
                await ws.send(message)
                assert await asyncio.wait_for(ws.recv(), 10) == message
            await ws.send("info")
            info = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert (info["flavour"], info["is_closed"]) == ("asyncio", "Future")
            await ws.send("close:4005:over")
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 10)
            assert (ws.close_code, ws.close_reason) == (4005, "over")
        with pytest.raises(websockets.InvalidStatus) as raised:
            async with connect(url + "/echo/hosted?deny=403"):
                pass
        assert raised.value.response.status_code == 403
        async with connect(url + "/echo/events") as ws:
            await ws.send("events")
            recorded = json.loads(await asyncio.wait_for(ws.recv(), 10))
        # the code is the host's websocket.disconnect's: uvicorn gives the client's, hypercorn 1000
        assert any(event[:3] == ["close", "/echo/hosted", True] for event in recorded)

    with hosted(host, MODULES["asyncio"] + ":app") as url:
        asyncio.run(talk(url))

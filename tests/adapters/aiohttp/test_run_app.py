"""``run_app``: aiohttp's familiar entry point, Albany serving, the loop named by ``loop=``."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import httpx
import pytest

from albany.testing import LiveServer, loop_available
from tests.adapters.aiohttp.test_lifespan import STARTED, STOPPED
from tests.conftest import ROOT_DIR

SCRIPT = """
import sys
from albany_aiohttp import run_app
from tests.adapters.aiohttp.service import make_app

async def make():
    return make_app()

loop, kind = sys.argv[1], sys.argv[2]
tls = {}
if len(sys.argv) > 3:
    import ssl
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[3], sys.argv[4])
    tls = {"ssl_context": context}
status = run_app(
    make_app() if kind == "app" else make(),
    host="127.0.0.1", port=0, loop=loop, access_log=None, print=None, shutdown_timeout=5,
    **tls,
)
sys.exit(status)
"""


class RunAppServer(LiveServer):
    """A script calling ``run_app(..., loop=LOOP)``."""

    def __init__(self, loop: str, kind: str, events: Path, tls: list[str] | None = None) -> None:
        # This checkout's adapters first: not those of whatever checkout is installed.
        path = os.pathsep.join([os.path.join(ROOT_DIR, "adapters"), ROOT_DIR])
        env = {"PYTHONPATH": path, "AIOHTTP_SERVICE_EVENTS": str(events)}
        super().__init__("run_app", "asyncio", env=env)
        self._run_loop, self._kind, self._tls = loop, kind, tls or []

    def command(self) -> list[str]:
        return [sys.executable, "-c", SCRIPT, self._run_loop, self._kind, *self._tls]


@pytest.mark.parametrize(("run_loop", "kind"), [("twisted", "app"), ("tornado", "coroutine")])
def test_run_app_serves_on_the_named_loop(run_loop: str, kind: str, tmp_path: Path) -> None:
    if not loop_available(run_loop):
        pytest.skip(f"{run_loop} is not installed")
    events = tmp_path / "events.log"
    server = RunAppServer(run_loop, kind, events).start()
    try:
        assert f"({run_loop}" in server.output()
        assert httpx.get(server.url + "/users/ann").json()["name"] == "ann"
        assert httpx.post(server.url + "/echo", content=b"x" * 10).content == b"x" * 10
    finally:
        server.signal(signal.SIGINT)
        status = server.wait()
    assert status == 0
    assert events.read_text().split("\n")[:-1] == STARTED + STOPPED


def test_run_app_refuses_what_albany_cannot_do() -> None:
    from albany_aiohttp import run_app
    from tests.adapters.aiohttp.service import make_app

    with pytest.raises(TypeError, match="names the loop"):
        run_app(make_app(), loop=object(), print=None)  # type: ignore[arg-type]


@pytest.mark.loops("asyncio", "uvloop", "tornado")
def test_run_app_serves_tls_with_an_ssl_context(loop: str, tmp_path: Path) -> None:
    pytest.importorskip("trustme")
    from tests.tls_certs import make_tls_files

    files = make_tls_files(str(tmp_path))
    events = tmp_path / "events.log"
    server = RunAppServer(loop, "app", events, [files.certfile, files.keyfile]).start()
    try:
        url = server.url.replace("http://", "https://")
        response = httpx.get(url + "/users/ann", verify=files.client_context())
        assert response.json()["name"] == "ann"
        assert httpx.get(url + "/inspect", verify=files.client_context()).json()["scheme"] == (
            "https"
        )
    finally:
        server.signal(signal.SIGINT)
        status = server.wait()
    assert status == 0


@pytest.mark.loops("twisted")
def test_run_app_on_twisted_refuses_an_ssl_context_with_the_reason(
    loop: str, tmp_path: Path
) -> None:
    pytest.importorskip("trustme")
    from tests.tls_certs import make_tls_files

    files = make_tls_files(str(tmp_path))
    server = RunAppServer(loop, "app", tmp_path / "events.log", [files.certfile, files.keyfile])
    with pytest.raises(RuntimeError):
        server.start()
    assert server.wait() != 0
    assert "cannot serve a ready ssl.SSLContext" in server.output()

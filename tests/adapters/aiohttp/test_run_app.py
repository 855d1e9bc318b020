"""``run_app``: aiohttp's familiar entry point, Albany serving, the loop named by ``loop=``."""

from __future__ import annotations

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
status = run_app(
    make_app() if kind == "app" else make(),
    host="127.0.0.1", port=0, loop=loop, access_log=None, print=None, shutdown_timeout=5,
)
sys.exit(status)
"""


class RunAppServer(LiveServer):
    """A script calling ``run_app(..., loop=LOOP)``."""

    def __init__(self, loop: str, kind: str, events: Path) -> None:
        env = {"PYTHONPATH": ROOT_DIR, "AIOHTTP_SERVICE_EVENTS": str(events)}
        super().__init__("run_app", "asyncio", env=env)
        self._run_loop, self._kind = loop, kind

    def command(self) -> list[str]:
        return [sys.executable, "-c", SCRIPT, self._run_loop, self._kind]


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

    with pytest.raises(NotImplementedError, match="TLS"):
        run_app(make_app(), ssl_context=object(), print=None)
    with pytest.raises(TypeError, match="names the loop"):
        run_app(make_app(), loop=object(), print=None)  # type: ignore[arg-type]

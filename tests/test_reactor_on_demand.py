"""A mounted Twisted app that imports ``twisted.internet.reactor`` at import time, on every loop.

The reactor its import gets is the one Albany serves with, chosen for the loop: the asyncio
reactor beside an asyncio app (and on every asyncio loop), the platform default for a lone
app on ``--loop twisted``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT_DIR

pytest.importorskip("twisted")

REACTOR_SITE = '''
from twisted.internet import reactor
from twisted.web.resource import Resource


class Reactor(Resource):
    """The reactor this module imported: its class, and whether it is the one running."""

    isLeaf = True

    def render_GET(self, request):
        return f"{type(reactor).__name__} running={reactor.running}".encode()


root = Reactor()
'''

ASYNCIO_APP = '''
import asyncio


async def app(scope, receive, send):
    """An asyncio-flavoured ASGI app: it needs a running asyncio loop."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            await send({"type": message["type"] + ".complete"})
            if message["type"] == "lifespan.shutdown":
                return
    await asyncio.sleep(0)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    body = f"asyncio {scope['root_path']!r} {scope['path']}"
    await send({"type": "http.response.body", "body": body.encode()})
'''


@pytest.fixture
def app_dir(tmp_path: Path) -> str:
    (tmp_path / "reactor_site.py").write_text(REACTOR_SITE)
    (tmp_path / "asyncio_beside.py").write_text(ASYNCIO_APP)
    return str(tmp_path)


def test_mounted_beside_an_asyncio_app(start_server: Any, app_dir: str, loop: str) -> None:
    server = start_server(
        "",
        "--mount", "/tw=reactor_site:root",
        "--mount", "/=asyncio_beside:app",
        "--app-dir", app_dir,
    )  # fmt: skip
    assert httpx.get(server.url + "/tw/").text == "AsyncioSelectorReactor running=True"
    assert httpx.get(server.url + "/x").text == "asyncio '' /x"


def test_served_alone(start_server: Any, app_dir: str, loop: str) -> None:
    server = start_server("reactor_site:root", "--app-dir", app_dir)
    expected = "EPollReactor" if loop == "twisted" else "AsyncioSelectorReactor"
    assert httpx.get(server.url + "/").text == f"{expected} running=True"


def run_script(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT_DIR,
        env=dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT_DIR, *sys.path])),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_import_gets_the_reactor_installed_for_it() -> None:
    output = run_script(
        """
        import sys
        from twisted.internet import selectreactor
        from albany.reactor_on_demand import reactor_on_demand

        installed = []

        def install():
            selectreactor.install()
            installed.append(sys.modules["twisted.internet.reactor"])
            return installed[0]

        finders = list(sys.meta_path)
        with reactor_on_demand(install):
            from twisted.internet import reactor
            import twisted.internet.reactor
        import twisted.internet
        assert sys.meta_path == finders
        assert installed == [reactor]
        assert twisted.internet.reactor is reactor is sys.modules["twisted.internet.reactor"]
        print(type(reactor).__name__)
        """
    )
    assert output.split() == ["SelectReactor"]


def test_nothing_is_installed_when_no_app_asks() -> None:
    output = run_script(
        """
        import sys
        from albany.config import Config
        from albany.serving import prepare

        for loop in ("asyncio", "twisted"):
            prepared = prepare(Config(loop=loop), apps=2)
            with prepared.importing():
                import tests.apps.contract
            print(loop, "twisted.internet.reactor" in sys.modules, prepared.loop)
        """
    )
    assert output.splitlines() == ["asyncio False None", "twisted False None"]

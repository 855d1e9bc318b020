"""--reload on every loop: a change to a watched file serves the new code on the same port."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from albany.reload import ReloadFilter
from albany.testing import LiveServer
from tests.observe import wait_for_output

pytest.importorskip("watchfiles")

APP_SOURCE = """
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": VERSION})

VERSION = b"%s"
"""


def wait_for_body(url: str, body: str, timeout: float = 60.0) -> str:
    """Poll ``url`` until it answers ``body``; the last answer (or error) seen."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            last = httpx.get(url, timeout=10).text
        except httpx.HTTPError as exc:  # a restart under way: the next poll waits in the backlog
            last = repr(exc)
        if last == body:
            break
        time.sleep(0.05)
    return last


def test_a_change_reloads_on_the_same_port(loop: str, tmp_path: Path) -> None:
    source = tmp_path / "reloaded.py"
    source.write_text(APP_SOURCE % "one")
    server = LiveServer(
        "reloaded:app",
        loop,
        ["--reload", "--reload-dir", str(tmp_path), "--lifespan", "off"],
        app_dir=str(tmp_path),
    )
    with server:
        assert httpx.get(server.url + "/").text == "one"
        assert wait_for_output(server, "Reloading on changes under")
        source.write_text(APP_SOURCE % "two")
        assert wait_for_body(server.url + "/", "two") == "two"
        assert "Reloading: " in wait_for_output(server, "reloaded.py changed")
        server.signal()
        assert server.wait(30) == 0
    assert "Traceback" not in server.output()


def test_reload_filter() -> None:
    default = ReloadFilter([], [])
    assert default(None, "/p/app.py")
    assert not default(None, "/p/notes.txt")
    assert not default(None, "/p/__pycache__/app.py")
    assert not default(None, "/p/.git/hooks/x.py")
    chosen = ReloadFilter(["*.py", "*.html"], ["generated"])
    assert chosen(None, "/p/templates/page.html")
    assert not chosen(None, "/p/generated/models.py")

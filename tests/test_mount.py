"""Apps of different kinds and flavours side by side on one port, on every loop."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import httpx
import pytest

from albany.mount import Mount
from albany.testing import LiveServer
from tests.apps import contract
from tests.conftest import ROOT_DIR

pytest.importorskip("twisted")
pytest.importorskip("flask")

MOUNTS = (
    "--mount", "/wsgi=tests.apps.flask_site:app",
    "--mount", "/twisted=tests.apps.contract:twisted_app",
    "--mount", "/asyncio=tests.apps.contract:asyncio_app",
    "--mount", "/=tests.apps.contract:app",
)  # fmt: skip


@pytest.fixture
def mixed(server_pool: Any, loop: str) -> LiveServer:
    return server_pool.get("", loop, *MOUNTS)


def test_each_app_is_served_in_its_own_flavour(mixed: LiveServer) -> None:
    assert httpx.get(mixed.url + "/wsgi/").text == "Hello from Flask"
    assert httpx.get(mixed.url + "/twisted/native").text.startswith("twisted ")
    assert httpx.get(mixed.url + "/asyncio/native").text.startswith("asyncio ")
    for prefix, flavour in (("/twisted", "twisted"), ("/asyncio", "asyncio"), ("", "neutral")):
        scope = httpx.get(mixed.url + prefix + "/scope/x").json()
        assert scope["flavour"] == flavour
        assert scope["root_path"] == prefix
        assert scope["path"] == prefix + "/scope/x"


def test_root_path_per_mount_reaches_wsgi(mixed: LiveServer) -> None:
    environ = httpx.get(mixed.url + "/wsgi/environ").json()
    assert environ["SCRIPT_NAME"] == "/wsgi"
    assert environ["PATH_INFO"] == "/environ"


def test_longest_prefix_wins_and_prefix_is_a_whole_segment(mixed: LiveServer) -> None:
    # "/twistedx" is not below "/twisted": the app at "/" answers it
    assert httpx.get(mixed.url + "/twistedx").status_code == 404
    assert httpx.get(mixed.url + "/twistedx").text == "Not Found"
    assert httpx.get(mixed.url + "/twisted/").text == "Hello, world!"  # its own "/"
    assert httpx.get(mixed.url + "/twisted/nowhere").status_code == 404  # its own 404


def test_lifespan_reaches_every_app_that_speaks_it(mixed: LiveServer) -> None:
    for prefix in ("/twisted", "/asyncio", ""):
        assert httpx.get(mixed.url + prefix + "/scope").json()["state"] == {"started": True}


def test_unmatched_path_is_404(start_server: Any) -> None:
    server: LiveServer = start_server("", "--mount", "/only=tests.apps.contract:app")
    response = httpx.get(server.url + "/elsewhere")
    assert response.status_code == 404 and response.text == "Not Found"
    assert httpx.get(server.url + "/only/").text == "Hello, world!"


def test_mount_in_code() -> None:
    mount = Mount({"/a/": contract.app, "/a/b": contract.asyncio_app, "/": contract.twisted_app})
    assert [prefix for prefix, _ in mount.routes] == ["/a/b", "/a", ""]
    assert mount.match("/a/b/c") == ("/a/b", contract.asyncio_app)
    assert mount.match("/a/bc") == ("/a", contract.app)
    nested = Mount({"/outer": mount})
    assert [prefix for prefix, _ in nested.routes] == ["/outer/a/b", "/outer/a", "/outer"]


def test_mount_errors_are_one_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "albany", "--mount", "api=tests.apps.contract:app"],
        capture_output=True,
        text=True,
        cwd=ROOT_DIR,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip().startswith("albany: error: --mount takes PREFIX=MODULE:ATTR")
    both = subprocess.run(
        [sys.executable, "-m", "albany", "tests.apps.contract:app", "--mount", "/a=x:y"],
        capture_output=True,
        text=True,
        cwd=ROOT_DIR,
        timeout=60,
    )
    assert both.returncode == 2 and "not both" in both.stderr

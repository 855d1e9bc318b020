"""Albany installs as the README says: a wheel and an sdist built from the checkout, and a VCS URL.

The wheel goes into a fresh virtualenv outside the checkout, and the ``albany`` command it
installs serves an app there, with nothing of the checkout on the path.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import httpx
import pytest

from albany.testing import LiveServer
from tests.conftest import ROOT_DIR

pytest.importorskip("build", reason="python -m build is not installed (the dev set has it)")

ADAPTERS = (
    "albany_aiohttp",
    "albany_autobahn",
    "albany_tornado",
    "albany_twisted_web",
    "albany_wsgi",
)

APP = """\
import albany


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": albany.__file__.encode()})
"""


class InstalledServer(LiveServer):
    """``albany APP`` run by the console script of another environment."""

    def __init__(self, script: Path, app: str, app_dir: Path) -> None:
        super().__init__(app, "asyncio", app_dir=str(app_dir), env={"PYTHONPATH": ""})
        self._script = script

    def command(self) -> list[str]:
        return [str(self._script), *super().command()[3:]]


def run(*command: str | Path, cwd: Path) -> None:
    result = subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An sdist, and a wheel built from that sdist (``python -m build``'s default)."""
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "build", "--outdir", out, ROOT_DIR, cwd=out)
    return out


def test_the_sdist_holds_every_package_and_what_setup_py_reads(dist: Path) -> None:
    (sdist,) = dist.glob("albany-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"setup.py", "pyproject.toml", "README.md", "albany/__init__.py"} <= names
    assert {f"adapters/{adapter}/__init__.py" for adapter in ADAPTERS} <= names


def test_the_wheel_holds_albany_its_adapters_and_the_entry_points(dist: Path) -> None:
    (wheel,) = dist.glob("albany-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (entry_points,) = [name for name in names if name.endswith("entry_points.txt")]
        declared = archive.read(entry_points).decode()
    assert {"albany/__init__.py", "albany/py.typed", "albany/http1/reader.py"} <= names
    assert {f"{adapter}/__init__.py" for adapter in ADAPTERS} <= names
    assert not any(name.startswith(("tests/", "adapters/")) for name in names)
    assert "albany = albany.cli:entry_point" in declared
    assert "albany = albany.testing.plugin" in declared


def test_the_installed_wheel_serves_an_app_outside_the_checkout(dist: Path, tmp_path: Path) -> None:
    (wheel,) = dist.glob("albany-*.whl")
    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=True)
    run(env_dir / "bin" / "python", "-m", "pip", "install", "-q", wheel, cwd=tmp_path)
    project = tmp_path / "project"
    project.mkdir()
    (project / "hello.py").write_text(APP)

    with InstalledServer(env_dir / "bin" / "albany", "hello:app", project) as server:
        response = httpx.get(server.url + "/")

    assert response.status_code == 200
    assert Path(response.text).is_relative_to(env_dir), response.text


def test_a_vcs_url_of_the_checkout_builds(tmp_path: Path) -> None:
    if not Path(ROOT_DIR, ".git").exists():
        pytest.skip("the checkout is not a git repository")
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "-q",
        "--no-deps",
        "--wheel-dir",
        tmp_path,
        f"albany @ git+file://{ROOT_DIR}",
        cwd=tmp_path,
    )
    assert list(tmp_path.glob("albany-*.whl"))

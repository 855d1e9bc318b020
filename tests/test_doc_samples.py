"""The samples of the README and the guides that are marked runnable run as written.

A Python block preceded by an HTML comment (invisible on the page) is run:

- ``<!-- runnable: serves NAME [PATH ...] -->``: the block is saved as a module, and
  ``albany MODULE:NAME`` serves it on every loop; a GET of each PATH (``/`` when none is
  named) must answer 200 with a body, no redirect followed.
- ``<!-- runnable: script -->``: the block is run as a script and must exit 0.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from albany.testing import LiveServer
from tests.conftest import ROOT_DIR

ROOT = Path(ROOT_DIR)
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
MARKED = re.compile(
    r"^<!-- runnable: (script|serves (\w+)((?: /\S*)*)) -->\n+```python\n(.*?)^```",
    re.MULTILINE | re.DOTALL,
)


@dataclass(frozen=True)
class Sample:
    """One marked block: where it is, how it runs, and its code."""

    page: Path
    number: int
    served: str | None
    paths: tuple[str, ...]
    code: str

    @property
    def id(self) -> str:
        return f"{self.page.relative_to(ROOT)}#{self.number}"


def samples() -> list[Sample]:
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for number, match in enumerate(MARKED.finditer(text), 1):
            paths = tuple((match.group(3) or "").split()) or ("/",)
            found.append(Sample(page, number, match.group(2), paths, match.group(4)))
    return found


def needs_what_it_names(sample: Sample) -> None:
    """Skip where a framework or loop the sample names (imported, or a loop by name) is missing."""
    for package in ("tornado", "twisted", "starlette", "aiohttp", "flask", "uvloop"):
        if re.search(rf"\b{package}\b", sample.code):
            pytest.importorskip(package)


SERVED = [sample for sample in samples() if sample.served]
SCRIPTS = [sample for sample in samples() if not sample.served]


def test_the_readme_sample_and_the_guides_samples_are_marked() -> None:
    pages = {sample.page.relative_to(ROOT).as_posix() for sample in samples()}
    assert {
        "README.md",
        "docs/guides/tornado.md",
        "docs/guides/testing.md",
        "docs/guides/migrate.md",
    } <= pages


@pytest.mark.parametrize("sample", SERVED, ids=lambda sample: sample.id)
def test_a_served_sample_answers(sample: Sample, loop: str, tmp_path: Path) -> None:
    needs_what_it_names(sample)
    (tmp_path / "doc_sample.py").write_text(sample.code)

    with LiveServer(f"doc_sample:{sample.served}", loop, app_dir=str(tmp_path)) as server:
        responses = {path: httpx.get(server.url + path) for path in sample.paths}

    for path, response in responses.items():
        assert response.status_code == 200, (path, response.status_code, response.text)
        assert response.content, path


@pytest.mark.parametrize("sample", SCRIPTS, ids=lambda sample: sample.id)
def test_a_script_sample_runs(sample: Sample, tmp_path: Path) -> None:
    needs_what_it_names(sample)
    script = tmp_path / "doc_sample.py"
    script.write_text(sample.code)

    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )

    assert result.returncode == 0, result.stdout + result.stderr

"""The docs build: every relative link in the Markdown pages resolves, and every Python
example compiles. (Albany's docs are plain Markdown; this is what building them checks.)
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted(
    [ROOT / "README.md", *(ROOT / "docs").rglob("*.md"), *(ROOT / "examples").rglob("*.md")]
)
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
SIGNATURE = re.compile(r"^\w+\([^)]*\) -> \w+\n$")
"""A one-line signature (``app(scope, receive, send) -> awaitable``): notation, not code."""


def page_id(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_relative_links_resolve(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    broken = []
    for target in LINK.findall(text):
        if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue  # another site, or an anchor on this page
        path = target.split("#", 1)[0]
        if not (page.parent / path).exists():
            broken.append(target)
    assert not broken, broken


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_python_examples_compile(page: Path) -> None:
    for number, block in enumerate(PYTHON_BLOCK.findall(page.read_text(encoding="utf-8"))):
        if SIGNATURE.match(block):
            continue
        compile(block, f"{page_id(page)} example {number + 1}", "exec")


def test_the_checks_see_links_and_examples() -> None:
    guide = (ROOT / "docs" / "guides" / "testing.md").read_text(encoding="utf-8")
    assert LINK.search(guide) and PYTHON_BLOCK.search(guide)

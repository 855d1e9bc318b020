"""Claims the docs make that the tree can check: the CLI options the running guide lists are the
command's, and the architecture page's module map names the modules there are."""

from __future__ import annotations

import re
from pathlib import Path

from albany.cli import build_parser
from tests.conftest import ROOT_DIR

ROOT = Path(ROOT_DIR)
RUNNING = (ROOT / "docs" / "guides" / "running.md").read_text(encoding="utf-8")
ARCHITECTURE = (ROOT / "docs" / "design" / "architecture.md").read_text(encoding="utf-8")


def command_options() -> set[str]:
    options = set()
    for action in build_parser()._actions:
        options.update(o for o in action.option_strings if o.startswith("--") and o != "--help")
    return options


def documented_options() -> set[str]:
    """Options in the first column of the running guide's option tables."""
    found: set[str] = set()
    in_table = False
    for line in RUNNING.splitlines():
        if line.startswith("| option"):
            in_table = True
            continue
        if in_table and not line.startswith("|"):
            in_table = False
        if in_table:
            first = line.split("|")[1]
            found.update(re.findall(r"--[a-z][a-z0-9-]*", first))
    return found


def test_every_option_of_the_command_is_in_the_running_guide() -> None:
    missing = command_options() - documented_options()
    assert not missing, sorted(missing)


def test_every_option_the_running_guide_lists_exists() -> None:
    unknown = documented_options() - command_options()
    assert not unknown, sorted(unknown)


def mapped_paths() -> set[str]:
    """Paths the module map names (``albany/...``, placeholders like ``<loop>`` expanded)."""
    section = ARCHITECTURE.split("## Module map", 1)[1].split("\n## ", 1)[0]
    paths: set[str] = set()
    for row in section.splitlines():
        if not row.startswith("| `"):
            continue
        first = row.split("|")[1]
        for name in re.findall(r"`([^`]+)`", first):
            base = name if "/" in name else None
            if base is None:
                continue
            for loop in ("asyncio", "twisted", "tornado"):
                paths.add(base.replace("<loop>", loop))
        # "`albany/http1/limits.py`, `errors.py`": siblings named after the first path
        named = re.findall(r"`([^`]+)`", first)
        if named and "/" in named[0]:
            folder = named[0].rsplit("/", 1)[0]
            paths.update(f"{folder}/{n}" for n in named[1:] if "/" not in n)
    return paths


def test_every_module_the_map_names_exists() -> None:
    absent = sorted(
        p for p in mapped_paths() if "<" not in p and not (ROOT / p.rstrip("/")).exists()
    )
    assert not absent, absent


def test_every_module_of_albany_is_in_the_map() -> None:
    paths = mapped_paths()
    folders = {p.rstrip("/") for p in paths if p.endswith("/")}
    unmapped = []
    for module in sorted((ROOT / "albany").rglob("*.py")):
        relative = module.relative_to(ROOT).as_posix()
        if module.name == "__init__.py" and relative != "albany/__init__.py":
            continue
        if relative in paths or any(relative.startswith(folder + "/") for folder in folders):
            continue
        unmapped.append(relative)
    assert not unmapped, unmapped

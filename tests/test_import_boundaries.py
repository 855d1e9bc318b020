"""Import boundaries: ``albany`` needs no loop framework, and the sans-IO layers import no I/O.

Checked two ways: what a fresh interpreter holds in ``sys.modules`` after an import, and
what the source of ``albany/http1`` and ``albany/gateway`` imports (read with ``ast``).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import albany

PACKAGE_DIR = Path(albany.__file__).parent
SANS_IO_PACKAGES = ("http1", "http2", "gateway", "proxy")

FRAMEWORKS = ("twisted", "tornado", "uvloop", "aiohttp")
"""Never imported by ``import albany`` or its sans-IO layers: a backend imports its own."""

FORBIDDEN_IN_SANS_IO = ("asyncio", "socket", "selectors", "time", *FRAMEWORKS)
"""Modules the source of the sans-IO layers must not import, directly or lazily."""

ALLOWED_THIRD_PARTY = ("albany", "httptools", "h2", "hyperframe")


def modules_after(code: str) -> set[str]:
    """The top-level module names in ``sys.modules`` of a fresh interpreter after ``code``."""
    report = "import sys\nprint(' '.join({m.split('.')[0] for m in sys.modules}))"
    script = f"{code}\n{report}"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


@pytest.mark.parametrize("module", ["albany", "albany.http1", "albany.gateway"])
def test_import_pulls_in_no_loop_framework(module: str) -> None:
    loaded = modules_after(f"import {module}")
    assert "albany" in loaded
    assert loaded.isdisjoint(FRAMEWORKS), sorted(loaded & set(FRAMEWORKS))


def test_sans_io_layers_alone_import_no_asyncio() -> None:
    """Without ``albany/__init__`` (which serves and so knows asyncio), nothing loads a loop."""
    bare_package = (
        "import importlib.util, sys, types\n"
        "spec = importlib.util.find_spec('albany')\n"
        "package = types.ModuleType('albany')\n"
        "package.__path__ = list(spec.submodule_search_locations)\n"
        "sys.modules['albany'] = package\n"
        "import albany.http1, albany.gateway\n"
        "outside = ('albany.backends', 'albany.serving')\n"
        "leaked = sorted(m for m in sys.modules if m.startswith(outside))\n"
        "assert not leaked, leaked\n"
    )
    loaded = modules_after(bare_package)
    assert "httptools" in loaded
    unwanted = {"asyncio", *FRAMEWORKS}
    assert loaded.isdisjoint(unwanted), sorted(loaded & unwanted)


def imported_names(path: Path, package_dir: Path = PACKAGE_DIR) -> set[str]:
    """Every module name a source file imports, anywhere in it (relative imports resolved)."""
    package = ".".join(("albany", *path.parent.relative_to(package_dir).parts))
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                names.add(f"{base}.{node.module}" if node.module else base)
            else:
                assert node.module is not None
                names.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "import_module":
            raise AssertionError(f"{path}: dynamic import hides what is imported")
    return names


def sans_io_sources() -> list[Path]:
    paths = sorted(p for name in SANS_IO_PACKAGES for p in (PACKAGE_DIR / name).rglob("*.py"))
    assert len(paths) >= 8, paths  # the packages are where this test expects them
    return paths


@pytest.mark.parametrize(
    "path", sans_io_sources(), ids=lambda p: str(p.relative_to(PACKAGE_DIR.parent))
)
def test_sans_io_source_imports_no_io(path: Path) -> None:
    names = imported_names(path)
    tops = {name.split(".")[0] for name in names}
    assert tops.isdisjoint(FORBIDDEN_IN_SANS_IO), sorted(tops & set(FORBIDDEN_IN_SANS_IO))
    third_party = tops - set(sys.stdlib_module_names) - set(ALLOWED_THIRD_PARTY) - {"__future__"}
    assert not third_party, f"only httptools may be imported: {sorted(third_party)}"
    reaching_out = sorted(n for n in names if n.startswith(("albany.backends", "albany.serving")))
    assert not reaching_out, reaching_out


def test_import_checker_sees_every_import_form(tmp_path: Path) -> None:
    """The checker itself: plain, from, nested and relative imports are all found."""
    path = tmp_path / "albany" / "http1" / "sample.py"
    path.parent.mkdir(parents=True)
    path.write_text(
        "import os.path\n"
        "from time import monotonic\n"
        "def later():\n"
        "    import asyncio\n"
        "    from . import events\n"
        "    from ..gateway import cycle\n",
        encoding="utf-8",
    )
    names = imported_names(path, tmp_path / "albany")
    assert names == {"os.path", "time", "asyncio", "albany.http1", "albany.gateway"}

"""``albany.websocket`` is sans-IO like the gateway: no loop, socket or clock, no third party
(but the optional C masking routine of ``websockets``)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.test_import_boundaries import (
    FORBIDDEN_IN_SANS_IO,
    PACKAGE_DIR,
    imported_names,
    modules_after,
)

SOURCES = sorted((PACKAGE_DIR / "websocket").glob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_websocket_package_imports_no_io(path: Path) -> None:
    tops = {name.split(".")[0] for name in imported_names(path)}
    assert tops.isdisjoint(FORBIDDEN_IN_SANS_IO), sorted(tops & set(FORBIDDEN_IN_SANS_IO))
    third_party = tops - set(sys.stdlib_module_names) - {"__future__", "albany", "websockets"}
    assert not third_party, sorted(third_party)


def test_http_alone_does_not_load_the_websocket_engine() -> None:
    """The session and its frames are imported at the first upgrade, not before."""
    loaded = modules_after("import albany, albany.gateway, albany.cli")
    assert "albany.websocket.frames" not in loaded
    assert "websockets" not in loaded

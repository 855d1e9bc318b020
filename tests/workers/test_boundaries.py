"""The supervisor imports no reactor, loop package or framework; neither does ``albany.workers``."""

from __future__ import annotations

from ..test_import_boundaries import FRAMEWORKS, modules_after


def test_the_supervisor_and_the_cli_that_starts_it_import_no_framework() -> None:
    loaded = modules_after("import albany.cli, albany.workers, albany.workers.supervisor")
    assert loaded.isdisjoint({*FRAMEWORKS, "gunicorn", "django", "flask", "starlette"})

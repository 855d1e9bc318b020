"""``MODULE:ATTR`` to an object, with errors a person can act on."""

from __future__ import annotations

import importlib
from typing import Any


class ImportFromStringError(Exception):
    """The import string is malformed, its module fails to import, or the attribute is missing."""


def import_from_string(import_str: str) -> Any:
    """The object named by ``"package.module:attr.sub"``."""
    module_str, _, attrs_str = import_str.partition(":")
    if not module_str or not attrs_str:
        raise ImportFromStringError(
            f"Import string {import_str!r} must be in format '<module>:<attribute>'"
        )
    try:
        module = importlib.import_module(module_str)
    except ModuleNotFoundError as exc:
        if exc.name != module_str and not module_str.startswith(f"{exc.name}."):
            raise ImportFromStringError(f"Could not import module {module_str!r}: {exc}") from exc
        raise ImportFromStringError(f"Could not import module {module_str!r}") from exc
    except Exception as exc:
        raise ImportFromStringError(
            f"Could not import module {module_str!r}: {type(exc).__name__}: {exc}"
        ) from exc
    instance: Any = module
    try:
        for attr in attrs_str.split("."):
            instance = getattr(instance, attr)
    except AttributeError:
        raise ImportFromStringError(
            f"Attribute {attrs_str!r} not found in module {module_str!r}"
        ) from None
    return instance

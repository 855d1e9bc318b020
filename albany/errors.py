"""Errors Albany reports to the person starting a server."""

from __future__ import annotations


class StartupError(Exception):
    """The server cannot start; the message says what to change (one line)."""


class NotAnApp(StartupError):
    """The object named cannot be called as any kind of app; the message says what was expected."""


class MissingDependency(StartupError, ImportError):
    """A loop or framework is not installed; the message names the extra to install."""


def require(module: str, extra: str, what: str) -> None:
    """Import ``module`` or raise ``MissingDependency`` naming ``albany[extra]``."""
    import importlib

    try:
        importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependency(f'{what} is not installed: pip install "albany[{extra}]"') from exc

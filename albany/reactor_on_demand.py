"""The reactor an app's import asks for, installed at that moment: Albany's choice, not Twisted's.

``from twisted.internet import reactor`` in a module installs Twisted's default reactor
when none is installed yet. While Albany imports the apps it serves, a finder first in
``sys.meta_path`` answers that import instead: it installs the reactor the chosen loop
needs (``install``) and hands it over as the module. Nothing is installed, and Twisted
is not imported, when no app asks for the reactor.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from contextlib import contextmanager
from types import ModuleType
from typing import Any, Callable, Iterator, Sequence

REACTOR_MODULE = "twisted.internet.reactor"


class ReactorOnDemand(importlib.abc.MetaPathFinder):
    """Finds ``twisted.internet.reactor``, while none is installed, by installing one."""

    def __init__(self, install: Callable[[], Any]) -> None:
        self._install = install
        self._installing = False

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        """A spec whose module is the reactor ``install`` put in place; None for other names."""
        if fullname != REACTOR_MODULE or self._installing:
            return None
        if fullname in sys.modules:  # installed meanwhile, e.g. by an explicit install()
            return None
        self._installing = True
        try:
            reactor = self._install()
        finally:
            self._installing = False
        return importlib.util.spec_from_loader(fullname, _InstalledReactor(reactor))


class _InstalledReactor(importlib.abc.Loader):
    """Loads the already installed reactor as the ``twisted.internet.reactor`` module."""

    def __init__(self, reactor: Any) -> None:
        self._reactor = reactor

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> Any:
        return self._reactor

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: installing the reactor was the module's whole work."""


@contextmanager
def reactor_on_demand(install: Callable[[], Any]) -> Iterator[None]:
    """Within the block, the first import of ``twisted.internet.reactor`` calls ``install``."""
    finder = ReactorOnDemand(install)
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)

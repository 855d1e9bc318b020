"""Benchmark suites: each module names the servers it measures and the ratios it aims at.

``benchmarks/run --suite NAME`` runs ``benchmarks/suites/NAME.py``; every suite's
servers answer the same hello-world (200, text/plain, ``Hello, world!``).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Callable

HOST = "127.0.0.1"
ASGI_APP = "benchmarks.apps.hello:app"
NEUTRAL_APP = "benchmarks.apps.hello:neutral"

Argv = Callable[[int], list[str]]
"""A server's command line for the port it must bind."""


@dataclass(frozen=True)
class Server:
    """One contender: its name, what it is, and its command line for a port."""

    name: str
    description: str
    argv: Argv


@dataclass(frozen=True)
class Target:
    """A ratio Albany aims at: ``numerator`` req/s over ``denominator`` req/s."""

    label: str
    numerator: str
    denominator: str
    goal: float


def python_module(command: str) -> Argv:
    """``python -m COMMAND`` in this interpreter; ``{port}`` in COMMAND is the port to bind."""
    return lambda port: [sys.executable, "-m", *command.format(host=HOST, port=port).split()]


def albany(arguments: str) -> Argv:
    """``python -m albany ARGUMENTS`` on the port, access log off."""
    return python_module(
        f"albany {arguments} --host {{host}} --port {{port}} --no-access-log --log-level warning"
    )

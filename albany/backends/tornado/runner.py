"""Driving apps under Tornado: its IOLoop runs on asyncio, so asyncio and neutral apps
are asyncio tasks; a twisted-flavoured app gets the asyncio reactor on that same loop.
"""

from __future__ import annotations

from tornado.ioloop import IOLoop

from albany.backends.asyncio.runner import AsyncioRunner
from albany.gateway.interfaces import AppRunner
from albany.types import Flavour


def runner_for(flavour: Flavour, io_loop: IOLoop) -> AppRunner:
    """The runner for an app of ``flavour`` on ``io_loop`` (cross-flavour rule)."""
    loop = io_loop.asyncio_loop  # type: ignore[attr-defined]
    if flavour == "twisted":
        from albany.backends.twisted.runner import hosted_twisted_runner

        return hosted_twisted_runner(loop)
    return AsyncioRunner(loop, eager=flavour == "neutral")

"""The Tornado suite: one Tornado hello-world handler on Tornado's own server and through Albany.

The same ``RequestHandler`` (``benchmarks/apps/tornado_web.py``) is served by Tornado's
``HTTPServer`` and, unchanged, by Albany's Tornado adapter on uvloop, on asyncio and on
Twisted (Albany installs Twisted's asyncio reactor for the asyncio-flavoured adapter).
"""

from __future__ import annotations

from benchmarks.suites import Server, Target, albany, python_module

TORNADO_APP = "benchmarks.apps.tornado_hello:application"

BASELINE = "tornado"

SERVERS: tuple[Server, ...] = (
    Server(
        "tornado",
        "Tornado HTTPServer + RequestHandler",
        python_module("benchmarks.apps.tornado_web --host {host} --port {port}"),
    ),
    Server(
        "albany-tornado-uvloop",
        "the same RequestHandler through Albany, uvloop",
        albany(f"{TORNADO_APP} --loop uvloop"),
    ),
    Server(
        "albany-tornado-asyncio",
        "the same RequestHandler through Albany, asyncio",
        albany(f"{TORNADO_APP} --loop asyncio"),
    ),
    Server(
        "albany-tornado-twisted",
        "the same RequestHandler through Albany, Twisted (asyncio reactor, auto)",
        albany(f"{TORNADO_APP} --loop twisted"),
    ),
)

TARGETS: tuple[Target, ...] = (
    Target(
        "Tornado app: Albany uvloop / Tornado HTTPServer", "albany-tornado-uvloop", "tornado", 2.0
    ),
    Target(
        "Tornado app: Albany Twisted / Tornado HTTPServer", "albany-tornado-twisted", "tornado", 1.0
    ),
)

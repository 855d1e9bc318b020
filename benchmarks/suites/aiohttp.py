"""The aiohttp suite: one aiohttp hello-world on aiohttp's own server and through Albany.

``benchmarks/run --suite aiohttp``. The same ``web.Application``
(``benchmarks/apps/aiohttp_hello.py``) everywhere; Albany serves it through
``albany_aiohttp`` on uvloop, stdlib asyncio and Twisted (asyncio reactor).
"""

from __future__ import annotations

from benchmarks.suites import Server, Target, albany, python_module

APP = "benchmarks.apps.aiohttp_hello:make_app --factory"
OWN = "benchmarks.apps.aiohttp_hello --host {host} --port {port}"

BASELINE = "aiohttp-uvloop"

SERVERS: tuple[Server, ...] = (
    Server("aiohttp", "aiohttp web.run_app, stdlib asyncio loop", python_module(OWN)),
    Server("aiohttp-uvloop", "aiohttp web.run_app, uvloop loop", python_module(f"{OWN} --uvloop")),
    Server(
        "albany-aiohttp-uvloop", "Albany, uvloop, aiohttp adapter", albany(f"{APP} --loop uvloop")
    ),
    Server(
        "albany-aiohttp-asyncio",
        "Albany, asyncio, aiohttp adapter",
        albany(f"{APP} --loop asyncio"),
    ),
    Server(
        "albany-aiohttp-twisted",
        "Albany, Twisted (asyncio reactor), aiohttp adapter",
        albany(f"{APP} --loop twisted"),
    ),
)

TARGETS: tuple[Target, ...] = (
    Target("Albany uvloop / aiohttp on uvloop", "albany-aiohttp-uvloop", "aiohttp-uvloop", 1.0),
    Target("Albany uvloop / aiohttp (stdlib loop)", "albany-aiohttp-uvloop", "aiohttp", 1.0),
    Target("Albany Twisted / aiohttp (stdlib loop)", "albany-aiohttp-twisted", "aiohttp", 0.5),
)

"""The core suite: one hello-world on Albany's backends and on the other Python servers."""

from __future__ import annotations

from benchmarks.suites import ASGI_APP, NEUTRAL_APP, Server, Target, albany, python_module

SERVERS: tuple[Server, ...] = (
    Server("albany-asyncio", "Albany, asyncio", albany(f"{ASGI_APP} --loop asyncio")),
    Server("albany-uvloop", "Albany, uvloop", albany(f"{ASGI_APP} --loop uvloop")),
    Server(
        "albany-twisted-epoll",
        "Albany, Twisted epoll reactor, neutral-flavoured app",
        albany(f"{NEUTRAL_APP} --loop twisted --reactor epoll"),
    ),
    Server(
        "albany-twisted-asgi",
        "Albany, Twisted, plain ASGI app (asyncio reactor, auto)",
        albany(f"{ASGI_APP} --loop twisted"),
    ),
    Server("albany-tornado", "Albany, Tornado", albany(f"{ASGI_APP} --loop tornado")),
    Server(
        "uvicorn",
        "uvicorn, uvloop + httptools",
        python_module(
            f"uvicorn {ASGI_APP} --loop uvloop --http httptools --no-access-log"
            " --host {host} --port {port} --log-level warning"
        ),
    ),
    Server(
        "hypercorn",
        "hypercorn, uvloop worker, in-process (-w 0)",
        python_module(
            f"hypercorn {ASGI_APP} --bind {{host}}:{{port}} --worker-class uvloop --workers 0"
            " --log-level warning"
        ),
    ),
    Server(
        "daphne",
        "daphne (Twisted, asyncio reactor)",
        python_module(f"daphne -b {{host}} -p {{port}} -v 0 {ASGI_APP}"),
    ),
    Server(
        "twisted-web",
        "twisted.web Site, epoll reactor",
        python_module("benchmarks.apps.twisted_web --host {host} --port {port}"),
    ),
    Server(
        "tornado",
        "Tornado HTTPServer + RequestHandler",
        python_module("benchmarks.apps.tornado_web --host {host} --port {port}"),
    ),
    Server(
        "aiohttp",
        "aiohttp web.run_app",
        python_module("benchmarks.apps.aiohttp_web --host {host} --port {port}"),
    ),
)

TARGETS: tuple[Target, ...] = (
    Target("Albany uvloop / uvicorn", "albany-uvloop", "uvicorn", 1.25),
    Target(
        "Albany Twisted epoll (neutral) / twisted.web Site",
        "albany-twisted-epoll",
        "twisted-web",
        1.5,
    ),
    Target("Albany Twisted (plain ASGI) / daphne", "albany-twisted-asgi", "daphne", 3.0),
)

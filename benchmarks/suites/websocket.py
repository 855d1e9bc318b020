"""The websocket suite: an echo, on Albany and on uvicorn and daphne, in one run.

``python -m benchmarks.websocket_load`` (not wrk, which does not speak WebSocket). Every
server serves ``benchmarks/apps/websocket_echo.py``; no compression is offered, so the
numbers measure framing, the gateway and the app call.
"""

from __future__ import annotations

from benchmarks.suites import Server, Target, albany, python_module

ECHO = "benchmarks.apps.websocket_echo:app"
NEUTRAL = "benchmarks.apps.websocket_echo:neutral"
BASELINE = "uvicorn"

SERVERS: tuple[Server, ...] = (
    Server("albany-uvloop", "Albany, uvloop, asyncio app", albany(f"{ECHO} --loop uvloop")),
    Server(
        "albany-twisted",
        "Albany, Twisted epoll reactor, neutral app",
        albany(f"{NEUTRAL} --loop twisted --reactor epoll"),
    ),
    Server("albany-tornado", "Albany, Tornado, asyncio app", albany(f"{ECHO} --loop tornado")),
    Server(
        "uvicorn",
        "uvicorn, uvloop + httptools, websockets-sansio",
        python_module(
            f"uvicorn {ECHO} --loop uvloop --http httptools --ws websockets-sansio"
            " --no-access-log --host {host} --port {port} --log-level warning --lifespan off"
        ),
    ),
    Server(
        "uvicorn-wsproto",
        "uvicorn, uvloop + httptools, wsproto",
        python_module(
            f"uvicorn {ECHO} --loop uvloop --http httptools --ws wsproto"
            " --no-access-log --host {host} --port {port} --log-level warning --lifespan off"
        ),
    ),
    Server(
        "daphne",
        "daphne (Twisted, autobahn)",
        python_module(f"daphne -b {{host}} -p {{port}} -v 0 {ECHO}"),
    ),
)

TARGETS: tuple[Target, ...] = (
    Target("Albany uvloop / uvicorn", "albany-uvloop", "uvicorn", 1.0),
    Target("Albany Twisted / daphne", "albany-twisted", "daphne", 1.0),
)

SCENARIOS: tuple[tuple[str, int, int], ...] = (
    ("small", 32, 64),  # 32-byte binary messages, 64 connections
    ("64KiB", 65536, 16),  # 64 KiB binary messages, 16 connections
)
"""(name, message size, connections): each connection sends one message, waits for its echo."""

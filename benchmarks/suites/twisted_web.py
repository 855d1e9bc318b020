"""The twisted_web suite: one twisted.web resource, served by Twisted's Site and by Albany.

``benchmarks/run --suite twisted_web --duration 5``. The resource is the same leaf in
every server (``benchmarks/apps/twisted_web.py``); Albany serves it through
``albany_twisted_web`` (a real ``twisted.web.server.Request`` per request).
"""

from __future__ import annotations

from benchmarks.suites import Server, Target, albany, python_module

RESOURCE = "benchmarks.apps.twisted_web_resource:root"

BASELINE = "twisted-web"

SERVERS: tuple[Server, ...] = (
    Server(
        "twisted-web",
        "twisted.web Site, epoll reactor",
        python_module("benchmarks.apps.twisted_web --host {host} --port {port}"),
    ),
    Server(
        "albany-uvloop-resource",
        "Albany, uvloop (Twisted's asyncio reactor on it), the resource",
        albany(f"{RESOURCE} --loop uvloop"),
    ),
    Server(
        "albany-asyncio-resource",
        "Albany, asyncio, the resource",
        albany(f"{RESOURCE} --loop asyncio"),
    ),
    Server(
        "albany-twisted-epoll-resource",
        "Albany, Twisted epoll reactor, the resource",
        albany(f"{RESOURCE} --loop twisted --reactor epoll"),
    ),
)

TARGETS: tuple[Target, ...] = (
    Target(
        "Albany uvloop (resource) / twisted.web Site", "albany-uvloop-resource", "twisted-web", 1.5
    ),
    Target(
        "Albany Twisted epoll (resource) / twisted.web Site",
        "albany-twisted-epoll-resource",
        "twisted-web",
        1.0,
    ),
)

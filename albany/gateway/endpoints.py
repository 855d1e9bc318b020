"""Endpoints: an app, the runner of its flavour, its scope extension and lifespan state.

A server has one endpoint, or one per app of a ``Mount`` plus the 404 endpoint.
Each request is routed to its endpoint before its cycle starts, so each app is
driven by its own runner and the request cycle exists once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from albany.flavour import flavour, flavour_of
from albany.gateway.interfaces import AppRunner
from albany.mount import Mount, covers
from albany.spec import SPEC_VERSION
from albany.types import AlbanyExtension, App, BackendName, Flavour

RunnerFor = Callable[[Flavour], AppRunner]
"""What a backend gives to build endpoints: the runner for a flavour on its loop."""


@dataclass
class Endpoint:
    """One app as the gateway serves it."""

    prefix: str  # the mount point below the server's root_path; "" for the whole space
    app: App
    runner: AppRunner
    extension: AlbanyExtension
    lifespan_state: dict[str, Any] = field(default_factory=dict)


@flavour("neutral")
async def not_found(scope: Any, receive: Any, send: Any) -> None:
    """What a Mount answers where no app is mounted."""
    if scope["type"] == "http":
        await send(
            {
                "type": "http.response.start",
                "status": 404,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")],
            }
        )
        await send({"type": "http.response.body", "body": b"Not Found"})
    elif scope["type"] == "websocket":  # deny the upgrade with the same 404
        await send(
            {
                "type": "websocket.http.response.start",
                "status": 404,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")],
            }
        )
        await send({"type": "websocket.http.response.body", "body": b"Not Found"})


class Endpoints:
    """The endpoints of one server, and the routing of a path to one of them."""

    def __init__(self, app: App, runner_for: RunnerFor, backend: BackendName) -> None:
        runners: dict[Flavour, AppRunner] = {}

        def endpoint(prefix: str, app: App) -> Endpoint:
            kind = flavour_of(app)
            runner = runners.get(kind)
            if runner is None:
                runner = runners[kind] = runner_for(kind)
            extension: AlbanyExtension = {
                "backend": backend,
                "flavour": kind,
                "spec_version": SPEC_VERSION,
                "helpers": runner.helpers,
            }
            return Endpoint(prefix, app, runner, extension)

        if isinstance(app, Mount):
            self.single: Endpoint | None = None
            self.mounted = [endpoint(prefix, mounted) for prefix, mounted in app.routes]
            self.fallback = endpoint("", not_found)
            self.served = self.mounted  # the apps' endpoints, without the 404 one
        else:
            self.single = endpoint("", app)
            self.mounted = []
            self.fallback = self.single
            self.served = [self.single]  # the apps' endpoints, without the 404 one

    def route(self, path: str) -> Endpoint:
        """The endpoint for ``path`` (below the server's root_path)."""
        if self.single is not None:
            return self.single
        for candidate in self.mounted:
            if covers(candidate.prefix, path):
                return candidate
        return self.fallback

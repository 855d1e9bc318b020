"""Albany apps as guests of another asyncio ASGI server (uvicorn, hypercorn, daphne).

``albany.as_asgi(app)`` gives a plain asyncio ASGI app. Inside it, each request is
routed to its endpoint and driven by that endpoint's runner, as in Albany's own
server: a neutral app gets its helpers, a twisted-flavoured app gets the asyncio
reactor installed on the host's running loop (never stopping it) and Deferreds for
``receive``/``send``; a Mount fans lifespan out to its apps.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable

from albany.app_kinds import as_albany_app
from albany.backends.asyncio.runner import runner_for, wait_for_callback
from albany.backends.asyncio.server import backend_name
from albany.gateway.endpoints import Endpoints
from albany.gateway.interfaces import AppRunner
from albany.gateway.lifespan import LifespanGroup
from albany.types import Message


class _GuestTask:
    """The ``AppTask`` a runner reports to: the host's receive/send, in the runner's futures."""

    def __init__(
        self,
        receive: Callable[[], Any],
        send: Callable[[Message], Any],
        runner: AppRunner,
        done: asyncio.Future[BaseException | None],
    ) -> None:
        if runner.helpers.loop_name == "twisted":
            from twisted.internet.defer import Deferred

            self.receive: Callable[[], Any] = lambda: Deferred.fromFuture(
                asyncio.ensure_future(receive())
            )
            self.send: Callable[[Message], Any] = lambda message: Deferred.fromFuture(
                asyncio.ensure_future(send(message))
            )
        else:
            self.receive = receive
            self.send = send
        self._done = done

    def app_finished(self, error: BaseException | None) -> None:
        if not self._done.done():
            self._done.set_result(error)


class AsgiGuest:
    """An Albany app (any kind, any flavour, or a Mount) as a plain asyncio ASGI 3 app."""

    def __init__(self, app: Any) -> None:
        self.app = as_albany_app(app)
        self._endpoints: Endpoints | None = None

    def _endpoints_on(self, loop: asyncio.AbstractEventLoop) -> Endpoints:
        if self._endpoints is None:
            self._endpoints = Endpoints(
                self.app, lambda flavour: runner_for(flavour, loop), backend_name(loop)
            )
        return self._endpoints

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        endpoints = self._endpoints_on(asyncio.get_running_loop())
        if scope["type"] == "lifespan":
            await self._lifespan(endpoints, scope, receive, send)
            return
        root_path = scope.get("root_path", "")
        path = scope["path"]
        below = path[len(root_path) :] if root_path and path.startswith(root_path) else path
        endpoint = endpoints.route(below)
        scope = {
            **scope,
            "root_path": root_path + endpoint.prefix,
            "state": {**scope.get("state", {}), **endpoint.lifespan_state},
            "extensions": {**(scope.get("extensions") or {}), "albany": endpoint.extension},
        }
        done: asyncio.Future[BaseException | None] = asyncio.get_running_loop().create_future()
        endpoint.runner.run(endpoint.app, scope, _GuestTask(receive, send, endpoint.runner, done))
        error = await done
        if error is not None:
            raise error

    async def _lifespan(self, endpoints: Endpoints, scope: Any, receive: Any, send: Any) -> None:
        group = LifespanGroup(endpoints.served, "auto")
        while True:
            message = await receive()
            stage = message["type"].rsplit(".", 1)[1]  # "startup" or "shutdown"
            failure = await wait_for_callback(
                group.startup if stage == "startup" else group.shutdown
            )
            if failure is None:
                await send({"type": f"lifespan.{stage}.complete"})
            else:
                await send({"type": f"lifespan.{stage}.failed", "message": failure})
            if stage == "shutdown" or failure is not None:
                return


def as_asgi(app: Any) -> AsgiGuest:
    """``app`` as a plain asyncio ASGI app, for any ASGI server."""
    return AsgiGuest(app)

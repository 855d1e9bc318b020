"""An Albany (or any ASGI) app served from inside an aiohttp application.

``add_albany_app(application, "/api", app)`` routes ``/api`` and everything under it
to ``app`` (``root_path`` is ``/api``; ``path`` keeps the prefix, as ASGI says) and
runs ``app``'s lifespan in the application's ``cleanup_ctx``. ``albany_handler(app)``
is the handler alone, for a route of your own. Both ways stream: the request body
reaches ``receive`` piece by piece from ``request.content``, response pieces go out
through a ``StreamResponse`` whose ``write`` waits on the transport.

Flavours: ``asyncio`` and ``neutral`` apps run on aiohttp's loop (a neutral app gets
``scope["extensions"]["albany"]`` with asyncio helpers); a ``twisted`` app needs
Albany's own server.
"""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator, Awaitable, Callable

from aiohttp import web
from multidict import CIMultiDict

from albany import flavour_of
from albany.spec import ASGI_VERSIONS
from albany.types import App, Message
from albany_aiohttp.lifespan_client import LifespanClient

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_HOP_BY_HOP = frozenset((b"connection", b"transfer-encoding", b"keep-alive"))
_DISCONNECT_POLL = 0.5
"""aiohttp has no disconnect event: how often, in seconds, ``receive`` looks at the transport."""


class _Exchange:
    """One request's ``receive`` and ``send``, over an aiohttp request and its response."""

    def __init__(self, request: web.Request) -> None:
        self.request = request
        self.response: web.StreamResponse | None = None
        self._status = 0
        self._headers: CIMultiDict[str] = CIMultiDict()
        self._started = False
        self._body_done = False
        self.complete = False
        self._finished = asyncio.get_running_loop().create_future()

    async def receive(self) -> Message:
        request = self.request
        if not self._body_done:
            chunk = await request.content.readany()
            self._body_done = request.content.at_eof()
            return {"type": "http.request", "body": chunk, "more_body": not self._body_done}
        while not self._finished.done():
            transport = request.transport
            if transport is None or transport.is_closing():
                break
            await asyncio.wait((self._finished,), timeout=_DISCONNECT_POLL)
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            if self._started:
                raise RuntimeError("Unexpected http.response.start: the response has started")
            self._started = True
            self._status = message["status"]
            for name, value in message.get("headers", ()):
                if name.lower() not in _HOP_BY_HOP:
                    self._headers.add(name.decode("latin-1"), value.decode("latin-1"))
        elif kind == "http.response.body":
            await self._body(message.get("body", b""), message.get("more_body", False))
        else:
            raise RuntimeError(f"Unexpected ASGI message type {kind!r} for an HTTP scope")

    async def _body(self, body: bytes, more_body: bool) -> None:
        if not self._started:
            raise RuntimeError("http.response.body sent before http.response.start")
        if self.complete:
            raise RuntimeError("Unexpected http.response.body: the response is complete")
        response = self.response
        if response is None:
            if not more_body:
                self._headers.popall("Content-Length", None)
                response = web.Response(status=self._status, headers=self._headers, body=body)
                body = b""
            else:
                response = web.StreamResponse(status=self._status, headers=self._headers)
            self.response = response
            await response.prepare(self.request)
        if body:
            await response.write(body)
        if not more_body:
            self.complete = True
            await response.write_eof()
            self._finished.set_result(None)

    def close(self) -> None:
        if not self._finished.done():
            self._finished.set_result(None)


class AlbanyHandler:
    """An aiohttp handler that serves an Albany/ASGI app (``root_path`` is its mount prefix)."""

    def __init__(
        self, app: App, *, root_path: str = "", state: dict[str, Any] | None = None
    ) -> None:
        flavour = flavour_of(app)
        if flavour == "twisted":
            raise ValueError("a twisted-flavoured app needs Albany's server, not aiohttp's")
        self.app = app
        self.root_path = root_path
        self.state = {} if state is None else state
        self._extension: dict[str, Any] | None = None
        self._neutral = flavour == "neutral"

    def _albany_extension(self) -> dict[str, Any]:
        if self._extension is None:
            from albany.backends.asyncio.runner import AsyncioRunner
            from albany.spec import SPEC_VERSION

            runner = AsyncioRunner(asyncio.get_running_loop())
            self._extension = {
                "backend": "asyncio",
                "flavour": "neutral",
                "spec_version": SPEC_VERSION,
                "helpers": runner.helpers,
            }
        return self._extension

    def extensions(self) -> dict[str, Any]:
        """The scope's extensions: a neutral app's helpers (``albany``), for every scope."""
        return {"albany": self._albany_extension()} if self._neutral else {}

    def scope(self, request: web.Request) -> dict[str, Any]:
        """The ASGI HTTP scope for ``request``."""
        raw_path, _, query = request.raw_path.partition("?")
        transport = request.transport
        peer = transport.get_extra_info("peername") if transport else None
        local = transport.get_extra_info("sockname") if transport else None
        return {
            "type": "http",
            "asgi": ASGI_VERSIONS,
            "http_version": f"{request.version.major}.{request.version.minor}",
            "method": request.method,
            "scheme": request.scheme,
            "path": request.path,
            "raw_path": raw_path.encode("latin-1"),
            "query_string": query.encode("latin-1"),
            "root_path": self.root_path,
            "headers": [(k.lower(), v) for k, v in request.raw_headers],
            "client": tuple(peer[:2]) if isinstance(peer, tuple) else None,
            "server": tuple(local[:2]) if isinstance(local, tuple) else None,
            "state": dict(self.state),
            "extensions": self.extensions(),
        }

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """The aiohttp handler (a coroutine function, as aiohttp's router wants)."""
        exchange = _Exchange(request)
        try:
            await self.app(self.scope(request), exchange.receive, exchange.send)
        finally:
            exchange.close()
        if exchange.response is None:
            raise web.HTTPInternalServerError()
        if not exchange.complete:
            raise ConnectionResetError("the app returned without completing its response")
        return exchange.response


def albany_handler(app: App, *, root_path: str = "") -> Handler:
    """An aiohttp handler serving ``app``: ``add_route("*", "/path", albany_handler(app))``."""
    return AlbanyHandler(app, root_path=root_path).handle


def add_albany_app(application: web.Application, prefix: str, app: App) -> AlbanyHandler:
    """Serve ``app`` at ``prefix`` (and below) of ``application``; its lifespan runs with it."""
    prefix = prefix.rstrip("/")
    handler = AlbanyHandler(app, root_path=prefix)
    lifespan = LifespanClient(app, handler.state, handler.extensions)
    application.router.add_route("*", prefix + "{tail:(/.*)?}", handler.handle)

    async def run_lifespan(_: web.Application) -> AsyncIterator[None]:
        await lifespan.startup()
        yield
        await lifespan.shutdown()

    application.cleanup_ctx.append(run_lifespan)
    return handler

"""Any Albany/ASGI app as a twisted.web resource, to mount inside an existing tree.

Like ``WSGIResource``: ``root.putChild(b"api", AppResource(app))``. The app is driven
by the runner of its flavour on the reactor that serves the site (``twisted`` and
``neutral`` apps on any reactor; ``asyncio`` apps need Twisted's asyncio reactor, and
get a ``StartupError`` saying so otherwise, at the first request: the reactor that will
serve the tree may not be installed when the tree is built). ``root_path`` is the mount point
(``request.prepath``); ``path`` is the whole path, as ASGI has it.

Streaming: the request body is read from ``request.content`` in pieces (twisted.web has
buffered it already); the response goes out as the app sends it, and ``send`` waits
while the transport is over its mark (the resource is the request's push producer).
The app's lifespan is not run.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import unquote

from twisted.internet.interfaces import IPushProducer
from twisted.python.failure import Failure
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET
from zope.interface import implementer

from albany.flavour import flavour_of
from albany.gateway.cycle import READY, ClientDisconnected
from albany.spec import ASGI_VERSIONS, SPEC_VERSION
from albany.types import App, Message

logger = logging.getLogger("albany.error")

_PIECE = 65536
_DISCONNECT: Message = {"type": "http.disconnect"}


class AppResource(Resource):
    """A leaf resource that serves ``app`` (any flavour) for every path below it."""

    isLeaf = True

    def __init__(self, app: App, reactor: Any = None) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.app = app
        self.flavour = flavour_of(app)
        self._reactor = reactor
        self._runner: Any = None
        self._extension: dict[str, Any] | None = None

    def runner(self) -> Any:
        """The runner for the app's flavour on the serving reactor (``StartupError`` if none)."""
        if self._runner is None:
            from albany.backends.twisted.runner import runner_for

            reactor = self._reactor
            if reactor is None:
                from twisted.internet import reactor
            self._runner = runner_for(self.flavour, reactor)
            self._extension = {
                "backend": "twisted",
                "flavour": self.flavour,
                "spec_version": SPEC_VERSION,
                "helpers": self._runner.helpers,
            }
        return self._runner

    def render(self, request: Any) -> Any:
        runner = self.runner()
        AppCall(request, runner, self.scope(request)).start(self.app)
        return NOT_DONE_YET

    def scope(self, request: Any) -> dict[str, Any]:
        """The ASGI HTTP scope of a twisted.web request, mounted at ``request.prepath``."""
        raw_path = request.path
        _, _, query = request.uri.partition(b"?")
        mount = b"/".join(request.prepath)
        client = request.getClientAddress()
        server = request.getHost()
        return {
            "type": "http",
            "asgi": ASGI_VERSIONS,
            "http_version": request.clientproto.decode("ascii")[5:] or "1.1",
            "method": request.method.decode("ascii").upper(),
            "scheme": "https" if request.isSecure() else "http",
            "root_path": "/" + mount.decode("utf-8", "replace") if mount else "",
            "path": unquote(raw_path.decode("latin-1"), errors="replace"),
            "raw_path": raw_path,
            "query_string": query,
            "headers": [
                (name.lower(), value)
                for name, values in request.requestHeaders.getAllRawHeaders()
                for value in values
            ],
            "client": _pair(client),
            "server": _pair(server),
            "state": {},
            "extensions": {"albany": self._extension},
        }


def _pair(address: Any) -> tuple[str, int] | None:
    host, port = getattr(address, "host", None), getattr(address, "port", None)
    return (host, port) if isinstance(host, str) and isinstance(port, int) else None


@implementer(IPushProducer)
class AppCall:
    """One app call over one request: ``receive``, ``send``, the end; the request's producer."""

    def __init__(self, request: Any, runner: Any, scope: dict[str, Any]) -> None:
        self.request = request
        self.runner = runner
        self.scope = scope
        self.content = request.content
        if self.content is not None:
            self.content.seek(0)
        self.body_done = self.content is None
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.started = False
        self.writing = False
        self.finished = False
        self.gone = False
        self.paused = False
        self._waiter: Any = None
        self._drain_waiters: list[Any] = []

    def start(self, app: App) -> None:
        self.request.notifyFinish().addErrback(self._lost)
        self.request.registerProducer(self, True)
        self.runner.run(app, self.scope, self)

    def _ready(self, value: Any) -> Any:
        future = self.runner.create_future()
        self.runner.resolve(future, value)
        return future

    def receive(self) -> Any:
        if not self.body_done:
            data = self.content.read(_PIECE)
            more = len(data) == _PIECE and bool(self.content.read(1))
            if more:
                self.content.seek(-1, 1)
            self.body_done = not more
            return self._ready({"type": "http.request", "body": data, "more_body": more})
        if self.finished or self.gone:
            return self._ready(_DISCONNECT)
        self._waiter = self.runner.create_future()
        return self._waiter

    def send(self, message: Message) -> Any:
        if self.gone:
            raise ClientDisconnected("The client has disconnected")
        kind = message["type"]
        if kind == "http.response.start":
            if self.started:
                raise RuntimeError("Unexpected http.response.start: the response has started")
            self.started = True
            self.status = message["status"]
            self.headers = list(message.get("headers", ()))
        elif kind == "http.response.body":
            if not self.started or self.finished:
                raise RuntimeError(f"Unexpected http.response.body (started={self.started})")
            request = self.request
            if not self.writing:
                self.writing = True
                request.defaultContentType = None
                request.setResponseCode(self.status)
                for name, value in self.headers:
                    request.responseHeaders.addRawHeader(name, value)
            body = message.get("body", b"")
            if body:
                request.write(body)
            if not message.get("more_body", False):
                self._finish()
            elif self.paused:
                waiter = self.runner.create_future()
                self._drain_waiters.append(waiter)
                return waiter
        else:
            raise RuntimeError(f"Unexpected ASGI message type {kind!r} for an HTTP scope")
        return READY

    def _finish(self) -> None:
        self.finished = True
        self.request.unregisterProducer()
        self.request.finish()
        self._wake(_DISCONNECT)

    def app_finished(self, error: BaseException | None) -> None:
        """The app returned or raised: 500 before the head, a closed connection after."""
        if self.finished or self.gone:
            if error is not None and not isinstance(error, ClientDisconnected):
                logger.error("Exception in ASGI application", exc_info=error)
            return
        request = self.request
        request.unregisterProducer()
        self.finished = True
        if not self.writing:
            if error is None:
                error = RuntimeError("ASGI callable returned without starting response")
            request.processingFailed(Failure(error))  # type: ignore[no-untyped-call]
        else:
            logger.error("ASGI app ended with its response incomplete", exc_info=error)
            request.loseConnection()

    def _wake(self, message: Message) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None:
            self.runner.resolve(waiter, message)
        waiters, self._drain_waiters = self._drain_waiters, []
        for drained in waiters:
            self.runner.resolve(drained, None)

    def _lost(self, reason: Failure) -> None:
        self.gone = True
        self._wake(_DISCONNECT)

    # IPushProducer: the transport is over (pause) or back under (resume) its mark

    def pauseProducing(self) -> None:
        self.paused = True

    def resumeProducing(self) -> None:
        self.paused = False
        waiters, self._drain_waiters = self._drain_waiters, []
        for drained in waiters:
            self.runner.resolve(drained, None)

    def stopProducing(self) -> None:
        self._lost(Failure(ClientDisconnected("The client has disconnected")))  # type: ignore[no-untyped-call]

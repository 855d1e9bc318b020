"""``AlbanyHandler``: an Albany/ASGI app served from a route of a ``tornado.web.Application``.

    Application([
        (r"/", MainHandler),
        (r"/api/.*", AlbanyHandler, {"app": asgi_app, "root_path": "/api"}),
    ])

Both directions stream. The request body reaches the app's ``receive()`` as Tornado
reads it; ``data_received`` makes Tornado wait while more than ``high_water`` bytes
are buffered and unread, so a slow app slows the client. Each ``http.response.body``
with ``more_body`` is written and flushed, and ``send()`` waits for the flush.
The app is driven on the asyncio loop Tornado runs on, so it must be ``asyncio``- or
``neutral``-flavoured (``neutral`` apps get ``scope["extensions"]["albany"]``).
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import unquote

from tornado import iostream
from tornado.log import app_log
from tornado.web import RequestHandler, stream_request_body

from albany.flavour import flavour_of
from albany.gateway.cycle import ClientDisconnected
from albany.spec import ASGI_VERSIONS, SPEC_VERSION
from albany.types import App, Message

_NO_BODY = (204, 304)


@stream_request_body
class AlbanyHandler(RequestHandler):
    """Serves ``app`` (an Albany/ASGI app) for every method on the route it is mounted at."""

    SUPPORTED_METHODS = ("GET", "HEAD", "POST", "DELETE", "PATCH", "PUT", "OPTIONS")

    def initialize(self, app: App, root_path: str = "", high_water: int = 65536) -> None:
        flavour = flavour_of(app)
        if flavour == "twisted":
            raise ValueError("AlbanyHandler drives asyncio or neutral apps, not twisted ones")
        self.app = app
        self.root_path = root_path
        self.high_water = high_water
        self._flavour = flavour
        self._body: list[bytes] = []
        self._buffered = 0
        self._body_complete = False
        self._end_delivered = False
        self._gone = False
        self._waiter: asyncio.Future[None] | None = None
        self._reader_paused: asyncio.Future[None] | None = None
        self._status = 200
        self._task: asyncio.Task[None] | None = None

    def check_xsrf_cookie(self) -> None:
        """The app guards its own forms: Tornado's XSRF check does not apply."""

    def compute_etag(self) -> str | None:
        """No Tornado ETag (nor the 304 it allows) on the app's responses."""
        return None

    def prepare(self) -> None:
        """Start the app before the body arrives, so it can read the body as it streams."""
        self.clear_header("Content-Type")
        self._task = asyncio.ensure_future(self.app(self._scope(), self._receive, self._send))

    def data_received(self, chunk: bytes) -> asyncio.Future[None] | None:
        self._body.append(chunk)
        self._buffered += len(chunk)
        self._wake()
        if self._buffered <= self.high_water:
            return None
        self._reader_paused = asyncio.get_running_loop().create_future()
        return self._reader_paused

    async def _serve(self, *args: str) -> None:
        """Tornado calls this once the body is complete: wait for the app to finish."""
        self._body_complete = True
        self._wake()
        assert self._task is not None
        try:
            await self._task
        except Exception:
            if self._headers_written and not self._finished:
                app_log.error("ASGI app failed after its response started", exc_info=True)
                assert self.request.connection is not None
                self.request.connection.close()  # type: ignore[attr-defined]
            raise
        if not self._finished and not self._gone:
            raise RuntimeError("ASGI app returned without completing its response")

    get = head = post = delete = patch = put = options = _serve

    def on_connection_close(self) -> None:
        self._gone = True
        self._wake()
        super().on_connection_close()

    def on_finish(self) -> None:
        self._wake()

    # -- the app's receive and send

    async def _receive(self) -> Message:
        while True:
            if self._body or (self._body_complete and not self._end_delivered):
                body = b"".join(self._body)
                self._body.clear()
                self._buffered = 0
                paused, self._reader_paused = self._reader_paused, None
                if paused is not None and not paused.done():
                    paused.set_result(None)
                self._end_delivered = self._body_complete
                return {"type": "http.request", "body": body, "more_body": not self._body_complete}
            if self._gone or self._finished:
                return {"type": "http.disconnect"}
            self._waiter = asyncio.get_running_loop().create_future()
            await self._waiter

    async def _send(self, message: Message) -> None:
        if self._gone:
            raise ClientDisconnected("The client has disconnected")
        kind = message["type"]
        if kind == "http.response.start":
            self._status = message["status"]
            self.set_status(self._status)
            for name, value in message.get("headers", ()):
                self.add_header(name.decode("latin-1"), value.decode("latin-1"))
        elif kind == "http.response.body":
            body = message.get("body", b"")
            if body and self._status not in _NO_BODY:
                self.write(body)
            if not message.get("more_body", False):
                self.finish()
                return
            try:
                await self.flush()
            except iostream.StreamClosedError as error:
                raise ClientDisconnected("The client has disconnected") from error
        else:
            raise RuntimeError(f"Unexpected ASGI message type {kind!r} for an HTTP scope")

    def _wake(self) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _scope(self) -> dict[str, Any]:
        request = self.request
        context = getattr(request.connection, "context", None)
        address = getattr(context, "address", None)
        port = address[1] if isinstance(address, tuple) and len(address) > 1 else 0
        return {
            "type": "http",
            "asgi": ASGI_VERSIONS,
            "http_version": request.version[5:],
            "method": request.method,
            "scheme": request.protocol,
            "path": unquote(request.path),
            "raw_path": request.path.encode("latin-1"),
            "query_string": request.query.encode("latin-1"),
            "root_path": self.root_path,
            "headers": [
                (name.lower().encode("latin-1"), value.encode("latin-1"))
                for name, value in request.headers.get_all()
            ],
            "client": (request.remote_ip, port) if request.remote_ip else None,
            "server": _server_address(request.connection),
            "state": {},
            "extensions": _extensions(self._flavour),
        }


def _server_address(connection: Any) -> tuple[str, int] | None:
    sock: Any = getattr(getattr(connection, "stream", None), "socket", None)
    if sock is None:
        return None
    try:
        host, port = sock.getsockname()[:2]
    except (AttributeError, OSError, TypeError, ValueError):
        return None
    return str(host), int(port)


def _extensions(flavour: str) -> dict[str, Any]:
    """``neutral`` apps need the ``albany`` extension's helpers; asyncio ones get it too."""
    from albany.backends.asyncio.runner import AsyncioRunner

    loop = asyncio.get_running_loop()
    runner = _RUNNERS.get(loop)
    if runner is None:
        runner = _RUNNERS[loop] = AsyncioRunner(loop)
    return {
        "albany": {
            "backend": "tornado",
            "flavour": flavour,
            "spec_version": SPEC_VERSION,
            "helpers": runner.helpers,
        }
    }


_RUNNERS: dict[asyncio.AbstractEventLoop, Any] = {}

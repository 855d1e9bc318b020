"""The WSGI call, run in a worker thread, talking to the loop through ``LoopBridge``.

PEP 3333 rules kept here: ``start_response`` once (again only with ``exc_info``,
which is re-raised once headers are out); headers leave with the first non-empty
body piece; ``write()`` for legacy apps; the iterable's ``close()`` always called.
A one-piece response leaves with its Content-Length in one write.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

import albany
from albany_wsgi.body import RequestBody
from albany_wsgi.bridge import LoopBridge
from albany_wsgi.environ import build_environ

WSGICallable = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _Response:
    """One response's state on the worker thread."""

    def __init__(self, bridge: LoopBridge, send: Callable[[Any], Any]) -> None:
        self._bridge = bridge
        self._send = send
        self.status: int | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self.headers_sent = False

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        if exc_info is not None:
            try:
                if self.headers_sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.status is not None:
            raise RuntimeError("start_response was already called (without exc_info)")
        self.status = int(status.split(" ", 1)[0])
        self.headers = [
            (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers
        ]
        return self.write

    def write(self, data: bytes, more_body: bool = True) -> None:
        """Send a body piece (the head goes with the first one)."""
        if self.status is None:
            raise RuntimeError("The WSGI app sent a body before calling start_response")
        if not self.headers_sent:
            self.headers_sent = True
            self._bridge.call(self._start_with_body, data, more_body)
        elif data or not more_body:
            self._bridge.call(
                self._send, {"type": "http.response.body", "body": data, "more_body": more_body}
            )

    async def _start_with_body(self, data: bytes, more_body: bool) -> None:
        await self._send(
            {"type": "http.response.start", "status": self.status, "headers": self.headers}
        )
        await self._send({"type": "http.response.body", "body": data, "more_body": more_body})


@albany.flavour("neutral")
class WSGIApp:
    """A WSGI app served as a neutral Albany app."""

    def __init__(self, app: WSGICallable) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return  # WSGI has no lifespan: "auto" goes on without it
        helpers = scope["extensions"]["albany"]["helpers"]
        await helpers.run_in_thread(self._call_in_thread, scope, receive, send, helpers)

    def _call_in_thread(self, scope: Any, receive: Any, send: Any, helpers: Any) -> None:
        bridge = LoopBridge(helpers)
        environ = build_environ(scope, RequestBody(bridge, receive))
        response = _Response(bridge, send)
        iterable = self.app(environ, response.start_response)
        try:
            pending: bytes | None = None
            for chunk in iterable:
                if not chunk:
                    continue  # headers wait for the first non-empty piece (PEP 3333)
                if pending is not None:
                    response.write(pending)
                pending = chunk
            if response.status is None:
                raise RuntimeError("The WSGI app returned without calling start_response")
            response.write(pending or b"", more_body=False)
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()


def wsgi_app(app: WSGICallable) -> WSGIApp:
    """``app`` as an Albany app (what ``albany.app_kinds`` calls for WSGI apps)."""
    return WSGIApp(app)

"""The Tornado application the adapter's tests serve, through Albany and through Tornado.

``application`` is a plain ``tornado.web.Application`` (what ``albany …:application``
detects); ``app`` is the same application wrapped with ``SERVER_OPTIONS``, the options
the reference ``tornado.httpserver.HTTPServer`` gets in ``reference_server``.
Handlers record what happened in ``EVENTS`` (read with ``GET /events``), so tests can
see from outside what the handler saw.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

from tornado import iostream
from tornado.web import (
    Application,
    HTTPError,
    RequestHandler,
    StaticFileHandler,
    stream_request_body,
)

from albany_tornado import AlbanyHandler, tornado_app

STATIC_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")
SERVER_OPTIONS: dict[str, Any] = {
    "xheaders": True,
    "trusted_downstream": ["10.9.9.9"],
    "decompress_request": True,
    "max_body_size": 8 * 1024 * 1024,
}
EVENTS: list[str] = []
GATES: dict[str, asyncio.Event] = {}
RECEIVED: dict[str, int] = {}


class Open(RequestHandler):
    """A handler whose unsafe methods need no XSRF token."""

    def check_xsrf_cookie(self) -> None:
        pass


class Hello(Open):
    def get(self) -> None:
        self.write("Hello, world!")


class Echo(Open):
    """What ``self.request`` holds, as JSON."""

    def handle(self) -> None:
        request = self.request
        self.write(
            {
                "method": request.method,
                "uri": request.uri,
                "path": request.path,
                "query": request.query,
                "version": request.version,
                "remote_ip": request.remote_ip,
                "protocol": request.protocol,
                "host": request.host,
                "host_name": request.host_name,
                "full_url": request.full_url(),
                "headers": sorted(
                    [k, v] for k, v in request.headers.get_all() if k.startswith("X-")
                ),
                "cookies": {k: v.value for k, v in request.cookies.items()},
                "arguments": {k: [v.decode() for v in vs] for k, vs in request.arguments.items()},
                "body_arguments": {
                    k: [v.decode() for v in vs] for k, vs in request.body_arguments.items()
                },
                "files": {
                    k: [[f.filename, f.content_type, len(f.body)] for f in fs]
                    for k, fs in request.files.items()
                },
                "body_length": len(request.body),
                "body_head": request.body[:64].decode("latin-1"),
            }
        )

    get = post = put = patch = delete = options = handle


@stream_request_body
class StreamUpload(Open):
    """Counts the body as it streams; ``?limit=N`` raises the body limit for this request."""

    def prepare(self) -> None:
        self.size = 0
        self.pieces = 0
        self.largest = 0
        limit = self.get_query_argument("limit", None)
        if limit is not None:
            assert self.request.connection is not None
            self.request.connection.set_max_body_size(int(limit))  # type: ignore[attr-defined]

    def data_received(self, chunk: bytes) -> None:
        self.size += len(chunk)
        self.pieces += 1
        self.largest = max(self.largest, len(chunk))

    def put(self) -> None:
        self.write({"size": self.size, "largest": self.largest})

    post = put

    def on_connection_close(self) -> None:
        EVENTS.append("upload closed")


@stream_request_body
class GatedUpload(Open):
    """``data_received`` waits for ``GET /gate/NAME/open``: a slow handler."""

    def prepare(self) -> None:
        self.name = self.path_args[0]
        GATES[self.name] = asyncio.Event()
        RECEIVED[self.name] = 0
        assert self.request.connection is not None
        self.request.connection.set_max_body_size(1 << 30)  # type: ignore[attr-defined]

    async def data_received(self, chunk: bytes) -> None:
        RECEIVED[self.name] += len(chunk)
        await GATES[self.name].wait()

    def post(self, name: str) -> None:
        self.write({"received": RECEIVED[name]})


class Gate(Open):
    def get(self, name: str, action: str) -> None:
        if action == "open":
            GATES[name].set()
        self.write({"received": RECEIVED.get(name, -1)})


class StreamDownload(Open):
    """``?chunks=N&size=M``: N pieces of M bytes, each flushed and awaited."""

    async def get(self) -> None:
        chunks = int(self.get_query_argument("chunks", "4"))
        size = int(self.get_query_argument("size", "10"))
        tag = self.get_query_argument("tag", "")
        self.set_header("Content-Type", "application/octet-stream")
        try:
            for index in range(chunks):
                self.write(bytes([97 + index % 26]) * size)
                await self.flush()
        except iostream.StreamClosedError:
            EVENTS.append(f"download closed {tag}")
            return
        EVENTS.append(f"download sent {tag}")
        self.finish()


class WaitForClose(Open):
    """Writes ``waiting`` and waits until the client goes away."""

    async def get(self) -> None:
        self.closed = asyncio.get_running_loop().create_future()
        self.write("waiting")
        await self.flush()
        await self.closed
        EVENTS.append("on_connection_close " + self.get_query_argument("tag", ""))

    def on_connection_close(self) -> None:
        if not self.closed.done():
            self.closed.set_result(None)


class Redirect(Open):
    def get(self) -> None:
        self.redirect("/echo?from=redirect", permanent=self.get_query_argument("p", "") == "1")


class Status(Open):
    def get(self, code: str) -> None:
        self.set_status(int(code), reason=self.get_query_argument("reason", None))
        if int(code) not in (204, 304):
            self.write(f"status {code}")


class SecureCookie(Open):
    def get(self) -> None:
        value = self.get_signed_cookie("session")
        self.write({"session": value.decode() if value else None})

    def post(self) -> None:
        self.set_signed_cookie("session", self.get_body_argument("value"))
        self.set_cookie("plain", "yes", path="/cookie")
        self.write("set")


class Xsrf(RequestHandler):
    """Protected by the application's ``xsrf_cookies``."""

    def get(self) -> None:
        self.write(self.xsrf_token)

    def post(self) -> None:
        self.write("accepted")


class Fails(Open):
    def get(self, how: str) -> None:
        if how == "http":
            raise HTTPError(418, "teapot here")
        if how == "reason":
            raise HTTPError(503, reason="Back Soon")
        raise RuntimeError("handler failed")


class Big(Open):
    """A compressible text body (``compress_response`` gzips it when asked)."""

    def get(self) -> None:
        self.set_header("Content-Type", "text/plain")
        self.write("tornado on every loop\n" * int(self.get_query_argument("lines", "200")))


class Events(Open):
    def get(self) -> None:
        self.write(json.dumps(EVENTS))
        self.set_header("Content-Type", "application/json")


async def asgi_echo(scope: Any, receive: Any, send: Any) -> None:
    """An ASGI app mounted at ``/asgi``: ``/asgi/echo`` streams the body back piece by piece,
    ``/asgi/big?size=N`` streams N bytes, anything else describes the scope."""
    path = scope["path"]
    if path == "/asgi/echo":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        more = True
        while more:
            message = await receive()
            more = message.get("more_body", False)
            await send(
                {"type": "http.response.body", "body": message.get("body", b""), "more_body": more}
            )
        return
    if path == "/asgi/big":
        size = int(scope["query_string"].decode().partition("=")[2] or "0")
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/octet-stream")],
            }
        )
        piece = b"z" * 65536
        for start in range(0, size, len(piece)):
            await send(
                {"type": "http.response.body", "body": piece[: size - start], "more_body": True}
            )
        await send({"type": "http.response.body", "body": b""})
        return
    body = json.dumps(
        {
            "method": scope["method"],
            "path": path,
            "raw_path": scope["raw_path"].decode(),
            "root_path": scope["root_path"],
            "query_string": scope["query_string"].decode(),
            "http_version": scope["http_version"],
            "client_host": scope["client"][0] if scope["client"] else None,
            "x_test": dict(scope["headers"]).get(b"x-test", b"").decode(),
        }
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"x-asgi", b"yes")]
    await send({"type": "http.response.start", "status": 201, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class WrongLength(Open):
    """``/wrong-length/(short|long|detach)``: a response the connection cannot complete."""

    def get(self, how: str) -> None:
        if how == "detach":
            self.set_header("Content-Length", "100")
            self.flush()
            self.request.connection.detach()  # type: ignore[union-attr]
            return
        self.set_header("Content-Length", "10")
        self.write("x" * (5 if how == "short" else 15))
        try:
            self.finish()
        except Exception as error:  # the connection raises, as Tornado's does
            EVENTS.append(f"wrong-length {how}: {error}")
            raise


@stream_request_body
class EarlyRefusal(Open):
    """``PUT /early-401``: ``prepare`` refuses the upload before its body is read."""

    def prepare(self) -> None:
        raise HTTPError(401)

    def data_received(self, chunk: bytes) -> None:
        pass

    def put(self) -> None:
        self.write("not reached")


def log_request(handler: RequestHandler) -> None:
    """The application's ``log_function``: one event per finished request."""
    request = handler.request
    EVENTS.append(f"log {handler.get_status()} {request.method} {request.uri}")


def make_application() -> Application:
    return Application(
        [
            (r"/", Hello),
            (r"/echo", Echo),
            (r"/upload", StreamUpload),
            (r"/gated/(\w+)", GatedUpload),
            (r"/gate/(\w+)/(open|status)", Gate),
            (r"/download", StreamDownload),
            (r"/wait-close", WaitForClose),
            (r"/redirect", Redirect),
            (r"/status/(\d+)", Status),
            (r"/cookie", SecureCookie),
            (r"/xsrf", Xsrf),
            (r"/fail/(\w+)", Fails),
            (r"/big", Big),
            (r"/events", Events),
            (r"/wrong-length/(short|long|detach)", WrongLength),
            (r"/early-401", EarlyRefusal),
            (r"/static/(.*)", StaticFileHandler, {"path": STATIC_PATH}),
            (r"/asgi/.*", AlbanyHandler, {"app": asgi_echo, "root_path": "/asgi"}),
        ],
        cookie_secret="albany-tornado-tests",
        xsrf_cookies=True,
        compress_response=True,
        log_function=log_request,
    )


application = make_application()
app = tornado_app(application, **SERVER_OPTIONS)
body_timeout_app = tornado_app(application, **SERVER_OPTIONS, body_timeout=0.3)
"""The application with ``body_timeout``: a body not in within 0.3 s gets 408 and a close."""

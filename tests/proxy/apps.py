"""One "who is asking" page per kind of app: the client address, scheme and host each
framework reports through its own API, as JSON. Mounted together on one server:

    albany --mount /asgi=tests.proxy.apps:asgi --mount /twisted=tests.proxy.apps:twisted ...
"""

from __future__ import annotations

import json
from typing import Any, Callable, Iterable

from aiohttp import web
from tornado.web import Application, RequestHandler
from twisted.web.resource import Resource


def _page(client: str | None, scheme: str, host: str | None) -> bytes:
    return json.dumps({"client": client, "scheme": scheme, "host": host}).encode()


async def asgi(scope: Any, receive: Any, send: Any) -> None:
    """A plain ASGI app: the scope itself; on WebSocket, the scope sent as a message."""
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    host = dict(scope["headers"]).get(b"host", b"").decode() or None
    client = scope["client"][0] if scope["client"] else None
    body = json.loads(_page(client, scope["scheme"], host))
    body["root_path"] = scope["root_path"]
    body["path"] = scope["path"]
    body["proxy"] = _jsonable(scope["extensions"].get("albany.proxy"))
    if scope["type"] == "websocket":
        await receive()
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": json.dumps(body)})
        await send({"type": "websocket.close"})
        return
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": json.dumps(body).encode()})


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value


class _TwistedPage(Resource):
    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        address = request.getClientAddress()
        host = request.getHeader(b"host")
        return _page(
            getattr(address, "host", None),
            "https" if request.isSecure() else "http",
            host.decode() if host else None,
        )


twisted = _TwistedPage()


class _TornadoPage(RequestHandler):
    def get(self) -> None:
        request = self.request
        self.write(_page(request.remote_ip, request.protocol, request.host))


tornado = Application([(r".*", _TornadoPage)])


async def _aiohttp_page(request: web.Request) -> web.Response:
    return web.Response(body=_page(request.remote, request.scheme, request.host))


def make_aiohttp() -> web.Application:
    app = web.Application()
    app.router.add_get("/{tail:.*}", _aiohttp_page)
    return app


aiohttp = make_aiohttp()


def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "application/json")])
    return [_page(environ.get("REMOTE_ADDR"), environ["wsgi.url_scheme"], environ.get("HTTP_HOST"))]


KINDS = ("asgi", "twisted", "tornado", "aiohttp", "wsgi")
MOUNTS = [arg for kind in KINDS for arg in ("--mount", f"/{kind}=tests.proxy.apps:{kind}")]
"""The command-line arguments that serve every kind on one server."""

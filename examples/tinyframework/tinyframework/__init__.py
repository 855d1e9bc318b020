"""tinyframework: routes, requests and responses over the Albany interface.

A ``neutral`` app: it awaits only what ``receive``/``send`` return and Albany's
loop-neutral helpers, so it runs natively on asyncio, uvloop, Twisted and Tornado.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qsl

import albany

Handler = Callable[["Request"], Awaitable["Response"]]


@dataclass
class Response:
    body: bytes | str = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/plain; charset=utf-8"

    @classmethod
    def json(cls, data: Any, status: int = 200) -> Response:
        return cls(json.dumps(data), status, content_type="application/json")


class Request:
    def __init__(self, scope: dict[str, Any], receive: Any, params: dict[str, str]) -> None:
        self.scope = scope
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        self.params = params
        self.query = dict(parse_qsl(scope["query_string"].decode("latin-1")))
        self.headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        self.helpers = scope["extensions"]["albany"]["helpers"]
        """Loop-neutral helpers: ``await request.helpers.sleep(0.1)``, ``run_in_thread``…"""
        self.backend: str = scope["extensions"]["albany"]["backend"]
        self._receive = receive

    async def body(self) -> bytes:
        chunks = []
        while True:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                raise albany.ClientDisconnected("the client went away")
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                return b"".join(chunks)

    async def json(self) -> Any:
        return json.loads(await self.body())


class App:
    """``app.route("/items/{name}", methods=["GET"])`` registers a handler."""

    def __init__(self) -> None:
        self.routes: list[tuple[re.Pattern[str], set[str], Handler]] = []
        self.on_startup: list[Callable[[], Awaitable[None]]] = []
        self.state: dict[str, Any] = {}

    def route(self, path: str, methods: tuple[str, ...] = ("GET",)) -> Callable[[Handler], Handler]:
        pattern = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + "$")

        def register(handler: Handler) -> Handler:
            self.routes.append((pattern, set(methods), handler))
            return handler

        return register

    async def dispatch(self, request: Request) -> Response:
        allowed: set[str] = set()
        for pattern, methods, handler in self.routes:
            match = pattern.match(request.path)
            if match:
                if request.method in methods:
                    request.params = match.groupdict()
                    return await handler(request)
                allowed |= methods
        if allowed:
            return Response("Method Not Allowed", 405, {"allow": ", ".join(sorted(allowed))})
        return Response("Not Found", 404)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        response = await self.dispatch(Request(scope, receive, {}))
        body = response.body.encode() if isinstance(response.body, str) else response.body
        headers = {"content-type": response.content_type, **response.headers}
        raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        await send({"type": "http.response.start", "status": response.status, "headers": raw})
        await send({"type": "http.response.body", "body": body})

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                for hook in self.on_startup:
                    await hook()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return


albany.flavour("neutral")(App)

__all__ = ["App", "Request", "Response"]

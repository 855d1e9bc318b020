"""The ASGI hello-world: ``app`` (plain ASGI, so asyncio-flavoured) and ``neutral``.

Both are the same coroutine function; ``neutral`` declares ``@albany.flavour("neutral")``
so Albany can serve it on Twisted's epoll reactor with no asyncio loop at all. They
await nothing but ``receive`` and ``send``, and answer lifespan so that no server
logs a lifespan failure.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, MutableMapping

import albany
from benchmarks.apps import BODY, CONTENT_TYPE

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

HEADERS = [(b"content-type", CONTENT_TYPE), (b"content-length", str(len(BODY)).encode())]


def make_app() -> App:
    """A new hello-world ASGI app (a distinct function, so it can carry its own flavour)."""

    async def hello(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
            await send({"type": "http.response.body", "body": BODY})
        elif scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return

    return hello


app = make_app()
neutral = albany.flavour("neutral")(make_app())

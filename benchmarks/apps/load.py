"""The app the load and soak benchmark (``benchmarks/load.py``) serves on every server.

``GET /`` answers ``Hello, world!``; ``GET /big`` 10 MiB in 64 KiB pieces; ``GET /slow``
after one second; ``POST /echo`` reads the whole body and answers its length. ``app`` is
plain asyncio ASGI (uvicorn, hypercorn, Albany on asyncio-family loops); ``neutral`` is the
same in Albany's neutral flavour, native on the Twisted epoll reactor too.
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable

import albany

BIG = 10 * 2**20
PIECE = b"x" * 65536
HEADERS = [(b"content-type", b"text/plain")]

Sleep = Callable[[float], Awaitable[Any]]


async def serve(scope: Any, receive: Any, send: Any, sleep: Sleep) -> None:
    if scope["type"] != "http":
        if scope["type"] == "lifespan":
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
                await receive()
                await send({"type": "lifespan.shutdown.complete"})
        return
    path = scope["path"]
    if path == "/big":
        headers = HEADERS + [(b"content-length", str(BIG).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for _ in range(BIG // len(PIECE) - 1):
            await send({"type": "http.response.body", "body": PIECE, "more_body": True})
        await send({"type": "http.response.body", "body": PIECE})
        return
    body = b"Hello, world!"
    if path == "/slow":
        await sleep(1.0)
        body = b"slow done"
    elif path == "/echo":
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            size += len(message.get("body", b""))
            more = message.get("more_body", False)
        body = str(size).encode()
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": body})


async def app(scope: Any, receive: Any, send: Any) -> None:
    """The app, asyncio-flavoured."""
    await serve(scope, receive, send, asyncio.sleep)


@albany.flavour("neutral")
async def neutral(scope: Any, receive: Any, send: Any) -> None:
    """The app, neutral: its sleep is the loop's own (a Deferred on Twisted)."""
    helpers = scope.get("extensions", {}).get("albany", {}).get("helpers")
    await serve(scope, receive, send, helpers.sleep if helpers else asyncio.sleep)

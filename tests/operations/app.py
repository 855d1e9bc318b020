"""A small ASGI app for the operations tests: it reads an environment variable."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import parse_qs


async def app(scope: Any, receive: Any, send: Any) -> None:
    """``/env?name=X``: the variable's value (404 when unset); anything else: ``ok``."""
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    query = parse_qs(scope["query_string"].decode())
    status, body = 200, b"ok"
    if scope["path"] == "/env":
        value = os.environ.get(query["name"][0])
        status, body = (404, b"") if value is None else (200, value.encode())
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": body})

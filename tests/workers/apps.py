"""Apps the worker tests serve: each answers with the pid of the process that served it."""

from __future__ import annotations

import os
import time
from typing import Any, Callable, Iterable

import albany

LIFESPAN_STARTUPS: list[float] = []


async def _answer(send: Any, body: bytes, status: int = 200) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain"), (b"x-pid", str(os.getpid()).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


@albany.flavour("neutral")
async def app(scope: Any, receive: Any, send: Any) -> None:
    """``/`` the pid; ``/slow?s=1`` after a sleep; ``/block`` blocks the loop; ``/lifespan``
    how many times lifespan start-up ran in this process."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                LIFESPAN_STARTUPS.append(time.time())
            await send({"type": message["type"] + ".complete"})
            if message["type"] == "lifespan.shutdown":
                return
    helpers = scope["extensions"]["albany"]["helpers"]
    path = scope["path"]
    if path == "/slow":
        seconds = float(scope["query_string"].decode().partition("=")[2] or "1")
        print(f"slow request started in {os.getpid()}", flush=True)
        await helpers.sleep(seconds)
        await _answer(send, f"slow {os.getpid()}".encode())
    elif path == "/block":
        print(f"blocking the loop of {os.getpid()}", flush=True)
        time.sleep(3600)
    elif path == "/lifespan":
        await _answer(send, str(len(LIFESPAN_STARTUPS)).encode())
    else:
        await _answer(send, str(os.getpid()).encode())


def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """A WSGI app answering with its pid."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"wsgi {os.getpid()}".encode()]

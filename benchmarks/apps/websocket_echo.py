"""The WebSocket echo every server of the websocket suite serves (ASGI; ``neutral`` for Albany).

Each message comes back as it came, text as text and bytes as bytes. Plain HTTP gets the
hello-world, so the servers can be checked like the other suites' servers.
"""

from __future__ import annotations

from typing import Any

import albany


async def _echo(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "http":
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/plain")],
            }
        )
        await send({"type": "http.response.body", "body": b"Hello, world!"})
        return
    if scope["type"] != "websocket":
        return  # lifespan: not spoken
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        if message.get("text") is not None:
            await send({"type": "websocket.send", "text": message["text"]})
        else:
            await send({"type": "websocket.send", "bytes": message["bytes"]})


async def app(scope: Any, receive: Any, send: Any) -> None:
    """Plain ASGI (asyncio-flavoured)."""
    await _echo(scope, receive, send)


@albany.flavour("neutral")
async def neutral(scope: Any, receive: Any, send: Any) -> None:
    """The same echo, declared neutral: Albany's Twisted backend drives it natively."""
    await _echo(scope, receive, send)

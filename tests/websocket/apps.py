"""Apps the WebSocket tests serve on every loop (``tests.websocket.apps:echo`` and others).

``echo`` is a neutral app, so the Twisted backend drives it with Deferreds and the
asyncio backends with asyncio futures; it also answers plain HTTP on the same URLs.
``starlette_app`` and ``fastapi_app`` are asyncio-flavoured framework apps.
"""

from __future__ import annotations

import json
from typing import Any

import albany

EVENTS: list[str] = []
"""What the apps saw happen, read back through ``GET /events``."""


async def _http(scope: Any, receive: Any, send: Any) -> None:
    path = scope["path"][len(scope["root_path"]) :]
    if path == "/events":
        body = json.dumps(EVENTS).encode()
    else:
        body = f"http {path} on {scope['extensions']['albany']['backend']}".encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


def _describe(scope: Any) -> str:
    return json.dumps(
        {
            "type": scope["type"],
            "path": scope["path"],
            "raw_path": scope["raw_path"].decode("latin-1"),
            "root_path": scope["root_path"],
            "query_string": scope["query_string"].decode("latin-1"),
            "scheme": scope["scheme"],
            "http_version": scope["http_version"],
            "subprotocols": scope["subprotocols"],
            "headers": [[k.decode(), v.decode()] for k, v in scope["headers"]],
            "client": list(scope["client"]) if scope["client"] else None,
            "server": list(scope["server"]) if scope["server"] else None,
            "state": sorted(scope["state"]),
            "extensions": sorted(scope["extensions"]),
            "tls": scope["extensions"].get("tls"),
            "backend": scope["extensions"]["albany"]["backend"],
            "asgi": scope["asgi"],
        }
    )


@albany.flavour("neutral")
async def echo(scope: Any, receive: Any, send: Any) -> None:
    """Routes WebSocket sessions by path; plain HTTP gets a text answer on every path."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            reply = message["type"] + ".complete"
            await send({"type": reply})
            if message["type"] == "lifespan.shutdown":
                return
    if scope["type"] == "http":
        await _http(scope, receive, send)
        return
    path = scope["path"][len(scope["root_path"]) :]
    helpers = scope["extensions"]["albany"]["helpers"]
    assert (await receive())["type"] == "websocket.connect"
    if path == "/deny":
        await send(
            {
                "type": "websocket.http.response.start",
                "status": 401,
                "headers": [(b"content-type", b"text/plain"), (b"x-reason", b"no-token")],
            }
        )
        await send({"type": "websocket.http.response.body", "body": b"denied", "more_body": True})
        await send({"type": "websocket.http.response.body", "body": b" here"})
        return
    if path == "/reject":
        await send({"type": "websocket.close", "code": 1008})
        return
    if path == "/fail-handshake":
        raise RuntimeError("failing before accept, on purpose")
    subprotocol = "chat" if "chat" in scope["subprotocols"] else None
    await send(
        {
            "type": "websocket.accept",
            "subprotocol": subprotocol,
            "headers": [(b"x-albany", b"yes")],
            "albany.websocket.ping": path == "/control",
        }
    )
    if path == "/control":  # control frames through the albany.websocket.ping extension
        await send({"type": "albany.websocket.ping", "bytes": b"from-app"})
        while True:
            message = await receive()
            kind = message["type"]
            if kind == "websocket.disconnect":
                return
            if kind.startswith("albany.websocket."):
                text = f"{kind.rpartition('.')[2]}:{message['bytes'].decode()}"
                await send({"type": "websocket.send", "text": text})
    if path == "/fail":
        raise RuntimeError("failing after accept, on purpose")
    if path == "/hold":  # back-pressure: read nothing for a while, then count
        await helpers.sleep(1.5)
        count = size = 0
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                EVENTS.append(f"hold {count} {size}")
                return
            count += 1
            size += len(message.get("bytes") or b"")
            if message.get("text") == "done":
                await send({"type": "websocket.send", "text": f"{count - 1} {size}"})
    if path == "/flood":  # back-pressure the other way: send until the client stops reading
        tag = scope["query_string"].decode()
        chunk = b"f" * 65536
        try:
            for sent in range(1, 1025):
                await send({"type": "websocket.send", "bytes": chunk})
                if sent % 16 == 0:
                    EVENTS.append(f"flood {tag} {sent}")
        except albany.ClientDisconnected:
            pass
        return
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            EVENTS.append(f"disconnect {path} {message['code']} {message.get('reason', '')}")
            return
        text = message.get("text")
        if text == "scope":
            await send({"type": "websocket.send", "text": _describe(scope)})
        elif text is not None and text.startswith("close:"):
            _, code, reason = text.split(":", 2)
            await send({"type": "websocket.close", "code": int(code), "reason": reason})
        elif text is not None:
            await send({"type": "websocket.send", "text": text})
        else:
            await send({"type": "websocket.send", "bytes": message["bytes"]})

"""The app the contract suite serves on every loop: one neutral app, three flavours.

It uses only ``receive``, ``send`` and the loop-neutral helpers, so the same code
runs as ``neutral`` (native on every loop), ``asyncio`` and ``twisted`` flavours.
"""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import parse_qs

import albany

EVENTS: list[str] = []
"""What the app saw happen, for tests to read back through /events."""


async def read_body(receive: Any) -> bytes:
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise albany.ClientDisconnected("client went away")
        body += message.get("body", b"")
        if not message.get("more_body", False):
            return body


async def respond(send: Any, status: int, body: bytes, headers: Any = ()) -> None:
    await send({"type": "http.response.start", "status": status, "headers": list(headers)})
    await send({"type": "http.response.body", "body": body})


async def respond_json(send: Any, data: Any, status: int = 200) -> None:
    await respond(send, status, json.dumps(data).encode(), [(b"content-type", b"application/json")])


def route_path(scope: Any) -> str:
    """The path below the mount point (``root_path``), which is what the app routes on."""
    path: str = scope["path"]
    root_path: str = scope["root_path"]
    return path[len(root_path) :] if root_path and path.startswith(root_path) else path


def _asyncio_running() -> bool:
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


async def lifespan(scope: Any, receive: Any, send: Any) -> None:
    """Completes start-up and shutdown, unless the environment says otherwise.

    ``CONTRACT_STARTUP_FAIL``/``CONTRACT_SHUTDOWN_FAIL`` answer ``failed``;
    ``CONTRACT_STARTUP_HANG``/``CONTRACT_SHUTDOWN_HANG`` never answer;
    ``CONTRACT_STARTUP_SLOW=SECONDS`` says so on stdout, then takes that long to start.
    """
    sleep = scope["extensions"]["albany"]["helpers"].sleep
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            if os.environ.get("CONTRACT_STARTUP_FAIL"):
                await send({"type": "lifespan.startup.failed", "message": "database unreachable"})
                return
            if os.environ.get("CONTRACT_STARTUP_HANG"):
                await sleep(3600)
            slow = os.environ.get("CONTRACT_STARTUP_SLOW")
            if slow:
                print("contract: lifespan start-up begun", flush=True)
                await sleep(float(slow))
            scope["state"]["started"] = True
            EVENTS.append("startup")
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            EVENTS.append("shutdown")
            path = os.environ.get("CONTRACT_SHUTDOWN_FILE")
            if path:
                with open(path, "w") as f:
                    f.write("shutdown complete")
            if os.environ.get("CONTRACT_SHUTDOWN_FAIL"):
                await send({"type": "lifespan.shutdown.failed", "message": "could not flush"})
                return
            if os.environ.get("CONTRACT_SHUTDOWN_HANG"):
                await sleep(3600)
            await send({"type": "lifespan.shutdown.complete"})
            return


async def neutral(scope: Any, receive: Any, send: Any) -> None:
    """Routes by path; see each branch."""
    if scope["type"] == "lifespan":
        await lifespan(scope, receive, send)
        return
    helpers = scope["extensions"]["albany"]["helpers"]
    path = route_path(scope)
    query = {k: v[0] for k, v in parse_qs(scope["query_string"].decode()).items()}

    if path == "/":
        await respond(send, 200, b"Hello, world!", [(b"content-type", b"text/plain")])
    elif path == "/echo":
        body = await read_body(receive)
        await respond(send, 200, body, [(b"content-type", b"application/octet-stream")])
    elif path.startswith("/scope"):
        ext = scope["extensions"]["albany"]
        await respond_json(
            send,
            {
                "method": scope["method"],
                "path": scope["path"],
                "raw_path": scope["raw_path"].decode("latin-1"),
                "query_string": scope["query_string"].decode("latin-1"),
                "root_path": scope["root_path"],
                "http_version": scope["http_version"],
                "scheme": scope["scheme"],
                "client": scope["client"],
                "server": scope["server"],
                "headers": [[k.decode(), v.decode()] for k, v in scope["headers"]],
                "backend": ext["backend"],
                "flavour": ext["flavour"],
                "helpers": helpers.loop_name,
                "state": scope["state"],
                "asyncio_running": _asyncio_running(),
                "extensions": sorted(scope["extensions"]),
                "tls": scope["extensions"].get("tls"),
            },
        )
    elif path == "/stream":
        count = int(query.get("n", "5"))
        size = int(query.get("size", "10"))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for i in range(count):
            await send(
                {
                    "type": "http.response.body",
                    "body": bytes([97 + i % 26]) * size,
                    "more_body": True,
                }
            )
        await send({"type": "http.response.body", "body": b"", "more_body": False})
    elif path == "/length":
        body = b"x" * int(query.get("size", "10"))
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", str(len(body)).encode())],
            }
        )
        for start in range(0, len(body), 4):
            await send(
                {"type": "http.response.body", "body": body[start : start + 4], "more_body": True}
            )
        await send({"type": "http.response.body", "body": b""})
    elif path == "/status":
        await respond(send, int(query["code"]), b"")
    elif path == "/sleep":
        await helpers.sleep(float(query.get("s", "0.5")))
        EVENTS.append(f"slept {query.get('s', '0.5')}")
        await respond(send, 200, b"slept")
    elif path == "/thread":
        result = await helpers.run_in_thread(sum, [1, 2, 3])
        await respond(send, 200, str(result).encode())
    elif path == "/gather":

        async def twice(x: int) -> int:
            await helpers.sleep(0.01)
            return x * 2

        results = await helpers.gather([twice(1), twice(2), twice(3)])
        await respond_json(send, results)
    elif path == "/error-before":
        raise RuntimeError("failed before the response")
    elif path == "/error-after":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"partial", "more_body": True})
        raise RuntimeError("failed during the response")
    elif path == "/no-response":
        return
    elif path == "/wait-disconnect":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"waiting", "more_body": True})
        message = await receive()
        while message["type"] != "http.disconnect":
            message = await receive()
        EVENTS.append("disconnect")
    elif path == "/read-slowly":
        total = 0
        while True:
            message = await receive()
            total += len(message.get("body", b""))
            await helpers.sleep(0.05)
            if not message.get("more_body"):
                break
        await respond(send, 200, str(total).encode())
    elif path == "/big":
        size = int(query.get("size", str(8 * 1024 * 1024)))
        chunk = b"z" * 65536
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", str(size).encode())],
            }
        )
        sent = 0
        try:
            while sent < size:
                piece = chunk[: size - sent]
                sent += len(piece)
                await send({"type": "http.response.body", "body": piece, "more_body": sent < size})
        except albany.ClientDisconnected:
            EVENTS.append(f"big lost {query.get('tag', '')}")
            raise
        EVENTS.append(f"big sent {query.get('tag', '')}")
    elif path == "/events":
        await respond_json(send, EVENTS)
    else:
        await respond(send, 404, b"Not Found")


app = albany.flavour("neutral")(neutral)


@albany.flavour("asyncio")
async def asyncio_app(scope: Any, receive: Any, send: Any) -> None:
    """The contract app as an asyncio-flavoured app (and /native awaits asyncio itself)."""
    if scope["type"] == "http" and route_path(scope) == "/native":
        import asyncio

        await asyncio.sleep(0.01)
        await respond(send, 200, b"asyncio " + type(asyncio.get_running_loop()).__module__.encode())
        return
    await neutral(scope, receive, send)


@albany.flavour("twisted")
async def twisted_app(scope: Any, receive: Any, send: Any) -> None:
    """The contract app as a twisted-flavoured app (and /native awaits a Deferred itself)."""
    if scope["type"] == "http" and route_path(scope) == "/native":
        from twisted.internet import reactor, task

        await task.deferLater(reactor, 0.01, lambda: None)
        await respond(send, 200, b"twisted " + type(reactor).__name__.encode())
        return
    await neutral(scope, receive, send)


def make_app() -> Any:
    """A factory, for ``albany tests.apps.contract:make_app --factory``."""
    return app


async def no_lifespan(scope: Any, receive: Any, send: Any) -> None:
    """An app that fails on the lifespan scope, as many plain ASGI apps do."""
    if scope["type"] == "lifespan":
        raise RuntimeError("lifespan is not supported here")
    await neutral(scope, receive, send)

"""One aiohttp application for the adapter's tests, served by Albany and by aiohttp itself.

``albany tests.adapters.aiohttp.service:make_app --factory --loop twisted`` serves it
through Albany; ``python -m tests.adapters.aiohttp.service`` serves it with aiohttp's
own server and prints ``serving on http://HOST:PORT`` like Albany does.
``make_cancelling_app`` is the same app with aiohttp's ``handler_cancellation`` on.
Lifespan events go to the file named by ``AIOHTTP_SERVICE_EVENTS`` when it is set.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable

from aiohttp import web

EVENTS: list[str] = []
DATA = bytes(range(256)) * 400
"""The body of ``/file``: 102,400 bytes."""

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def record(event: str) -> None:
    EVENTS.append(event)
    path = os.environ.get("AIOHTTP_SERVICE_EVENTS")
    if path:
        with open(path, "a", encoding="utf-8") as log:
            log.write(event + "\n")


# -- plain requests -------------------------------------------------------------------------


async def hello(request: web.Request) -> web.Response:
    return web.Response(text="Hello, world!")


async def user(request: web.Request) -> web.Response:
    return web.json_response({"name": request.match_info["name"], "path": request.path})


async def query(request: web.Request) -> web.Response:
    return web.json_response({"pairs": list(request.query.items()), "qs": request.query_string})


async def inspect(request: web.Request) -> web.Response:
    peer = request.transport.get_extra_info("peername") if request.transport else None
    return web.json_response(
        {
            "method": request.method,
            "path": request.path,
            "raw_path": request.raw_path,
            "url": str(request.url),
            "host": request.host,
            "scheme": request.scheme,
            "version": list(request.version),
            "remote": request.remote,
            "peer_host": peer[0] if peer else None,
            "keep_alive": request.keep_alive,
            "x_custom": request.headers.getall("X-Custom", []),
            "content_type": request.content_type,
            "can_read_body": request.can_read_body,
            "body_exists": request.body_exists,
        }
    )


async def cookies(request: web.Request) -> web.Response:
    response = web.json_response(dict(request.cookies))
    response.set_cookie("flavour", "aiohttp", path="/", httponly=True)
    response.set_cookie("count", str(len(request.cookies)))
    return response


async def echo(request: web.Request) -> web.Response:
    body = await request.read()
    return web.Response(body=body, content_type=request.content_type)


async def text(request: web.Request) -> web.Response:
    body = await request.text()
    return web.Response(text=f"{len(body)}:{body[:20]}")


async def json_body(request: web.Request) -> web.Response:
    data = await request.json()
    return web.json_response({"got": data, "keys": sorted(data) if isinstance(data, dict) else []})


async def form(request: web.Request) -> web.Response:
    data = await request.post()
    fields: dict[str, Any] = {}
    for name, value in data.items():
        if isinstance(value, web.FileField):
            content = value.file.read()
            fields[name] = {"filename": value.filename, "size": len(content)}
        else:
            fields[name] = value
    return web.json_response(fields)


async def multipart(request: web.Request) -> web.Response:
    reader = await request.multipart()
    parts = []
    async for part in reader:
        digest = hashlib.sha256()
        size = 0
        while chunk := await part.read_chunk(65536):  # type: ignore[union-attr]
            digest.update(chunk)
            size += len(chunk)
        parts.append(
            {
                "name": part.name,  # type: ignore[union-attr]
                "filename": part.filename,  # type: ignore[union-attr]
                "size": size,
                "sha256": digest.hexdigest(),
            }
        )
    return web.json_response(parts)


async def count(request: web.Request) -> web.Response:
    """Read ``request.content`` chunk by chunk, slowly when asked (flow control)."""
    delay = float(request.query.get("delay", "0"))
    total = 0
    async for chunk in request.content.iter_chunked(65536):
        total += len(chunk)
        if delay:
            await asyncio.sleep(delay)
    return web.Response(text=str(total))


async def hold(request: web.Request) -> web.Response:
    """Leave the body unread for ``wait`` seconds, then count it."""
    await asyncio.sleep(float(request.query.get("wait", "1")))
    total = 0
    while chunk := await request.content.readany():
        total += len(chunk)
    return web.Response(text=str(total))


# -- responses ------------------------------------------------------------------------------


async def stream(request: web.Request) -> web.StreamResponse:
    chunks = int(request.query.get("chunks", "3"))
    size = int(request.query.get("size", "5"))
    response = web.StreamResponse(headers={"X-Stream": "yes"})
    response.content_type = "text/plain"
    await response.prepare(request)
    for index in range(chunks):
        await response.write(str(index % 10).encode() * size)
    await response.write_eof()
    return response


async def big(request: web.Request) -> web.StreamResponse:
    """Write ``size`` bytes; the event after ``write`` returns shows back-pressure held it."""
    size = int(request.query["size"])
    tag = request.query.get("tag", "")
    response = web.StreamResponse()
    response.content_length = size
    await response.prepare(request)
    piece = b"b" * 65536
    sent = 0
    while sent < size:
        await response.write(piece[: size - sent])
        sent += min(len(piece), size - sent)
    record(f"big sent {tag}")
    await response.write_eof()
    return response


async def compressed(request: web.Request) -> web.Response:
    response = web.Response(text="squeeze me " * 200)
    response.enable_compression()
    return response


async def file(request: web.Request) -> web.FileResponse:
    return web.FileResponse(request.app[DATA_PATH])


async def redirect(request: web.Request) -> web.Response:
    raise web.HTTPFound("/")


async def not_found(request: web.Request) -> web.Response:
    raise web.HTTPNotFound(text="no such thing")


async def teapot(request: web.Request) -> web.Response:
    raise web.HTTPBadRequest(text="bad, with headers", headers={"X-Why": "because"})


async def crash(request: web.Request) -> web.Response:
    raise RuntimeError("handler crashed")


async def crash_midway(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse()
    await response.prepare(request)
    await response.write(b"partial")
    raise RuntimeError("crashed after the response started")


async def no_content(request: web.Request) -> web.Response:
    return web.Response(status=204)


async def slow(request: web.Request) -> web.StreamResponse:
    """Start a response, then wait; tells in events whether it was cancelled or could write."""
    tag = request.query["tag"]
    response = web.StreamResponse()
    await response.prepare(request)
    await response.write(b"waiting\n")
    record(f"started {tag}")
    try:
        for _ in range(100):
            await asyncio.sleep(0.05)
            if request.transport is None or request.transport.is_closing():
                break
        await asyncio.sleep(0.1)
        await response.write(b"still here\n")
    except asyncio.CancelledError:
        record(f"cancelled {tag}")
        raise
    except ConnectionResetError:
        record(f"write failed {tag}")
        raise
    record(f"finished {tag}")
    return response


async def events(request: web.Request) -> web.Response:
    return web.json_response(EVENTS)


# -- middlewares, sub-app, signals, lifespan ------------------------------------------------


@web.middleware
async def stamp(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers["X-Middleware"] = "main"
    return response


@web.middleware
async def sub_stamp(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.headers.get("X-Deny"):
        raise web.HTTPForbidden(text="denied by the sub-app")
    response = await handler(request)
    response.headers["X-Sub"] = "yes"
    return response


async def sub_index(request: web.Request) -> web.Response:
    return web.json_response({"sub": True, "item": request.match_info.get("item")})


async def on_prepare(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["X-Prepared"] = "1"


async def on_startup(app: web.Application) -> None:
    record("startup")


async def on_shutdown(app: web.Application) -> None:
    record("shutdown")


async def on_cleanup(app: web.Application) -> None:
    record("cleanup")


async def context(app: web.Application) -> AsyncIterator[None]:
    record("ctx enter")
    yield
    record("ctx exit")


async def sub_startup(app: web.Application) -> None:
    record("sub startup")


DATA_PATH = web.AppKey("data_path", Path)


def make_app(**settings: Any) -> web.Application:
    """The service: every route the adapter's tests and the differential test use."""
    app = web.Application(middlewares=[stamp], **settings)
    data_path = Path(tempfile.gettempdir()) / f"albany-aiohttp-service-{os.getpid()}.bin"
    data_path.write_bytes(DATA)
    app[DATA_PATH] = data_path
    app.router.add_get("/", hello)
    app.router.add_get("/users/{name}", user)
    app.router.add_get("/query", query)
    app.router.add_route("*", "/inspect", inspect)
    app.router.add_get("/cookies", cookies)
    app.router.add_post("/echo", echo)
    app.router.add_post("/text", text)
    app.router.add_post("/json", json_body)
    app.router.add_post("/form", form)
    app.router.add_post("/multipart", multipart)
    app.router.add_post("/count", count)
    app.router.add_post("/hold", hold)
    app.router.add_get("/stream", stream)
    app.router.add_get("/big", big)
    app.router.add_get("/compressed", compressed)
    app.router.add_get("/file", file)
    app.router.add_get("/redirect", redirect)
    app.router.add_get("/missing", not_found)
    app.router.add_get("/bad", teapot)
    app.router.add_get("/crash", crash)
    app.router.add_get("/crash-midway", crash_midway)
    app.router.add_get("/empty", no_content)
    app.router.add_get("/slow", slow)
    app.router.add_get("/events", events)

    sub = web.Application(middlewares=[sub_stamp])
    sub.router.add_get("/", sub_index)
    sub.router.add_get("/items/{item}", sub_index)
    sub.on_startup.append(sub_startup)
    app.add_subapp("/sub/", sub)

    app.on_response_prepare.append(on_prepare)
    app.on_startup.append(on_startup)
    app.cleanup_ctx.append(context)
    app.on_shutdown.append(on_shutdown)
    app.on_cleanup.append(on_cleanup)
    return app


def make_cancelling_app() -> web.Application:
    """The service with aiohttp's ``handler_cancellation`` on."""
    return make_app(handler_args={"handler_cancellation": True})


def make_failing_app() -> web.Application:
    """A service whose start-up fails."""
    app = make_app()

    async def broken(app: web.Application) -> None:
        raise RuntimeError("database unreachable")

    app.on_startup.append(broken)
    return app


async def serve_with_aiohttp(host: str, port: int, cancelling: bool) -> None:
    """aiohttp's own server, until cancelled; prints the address it listens on."""
    app = make_cancelling_app() if cancelling else make_app()
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound_host, bound_port = runner.addresses[0][:2]
    print(f"serving on http://{bound_host}:{bound_port}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--cancelling", action="store_true")
    args = parser.parse_args()
    try:
        asyncio.run(serve_with_aiohttp(args.host, args.port, args.cancelling))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()


__all__ = ["EVENTS", "make_app", "make_cancelling_app", "make_failing_app"]

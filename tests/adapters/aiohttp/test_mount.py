"""Albany apps inside aiohttp: a prefix of a ``web.Application`` served by an ASGI app.

aiohttp's own server runs in the test process on a real socket; the clients are
aiohttp's and raw sockets.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, AsyncIterator, Awaitable, Callable

import aiohttp
import pytest
from aiohttp import web

import albany
from albany_aiohttp import AlbanyHandler, add_albany_app, albany_handler

Receive = Callable[[], Awaitable[Any]]
Send = Callable[[Any], Awaitable[None]]
LOG: list[str] = []


async def asgi_app(scope: Any, receive: Receive, send: Send) -> None:
    """Echoes bodies as they stream, reports its scope, streams a response in pieces."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                scope["state"]["greeting"] = "hi"
                LOG.append("startup")
                await send({"type": "lifespan.startup.complete"})
            else:
                LOG.append("shutdown")
                await send({"type": "lifespan.shutdown.complete"})
                return
    path = scope["path"][len(scope["root_path"]) :]
    if path == "/scope":
        info = {k: scope[k] for k in ("path", "root_path", "method", "http_version", "scheme")}
        info["query_string"] = scope["query_string"].decode()
        info["state"] = scope["state"]
        info["client_host"] = scope["client"][0]
        info["x_one"] = [v.decode() for k, v in scope["headers"] if k == b"x-one"]
        body = json.dumps(info).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})
    elif path == "/echo":
        pieces = 0
        await send({"type": "http.response.start", "status": 201, "headers": [(b"x-echo", b"1")]})
        while True:
            message = await receive()
            pieces += 1
            await send(
                {"type": "http.response.body", "body": message.get("body", b""), "more_body": True}
            )
            if not message.get("more_body"):
                break
        await send({"type": "http.response.body", "body": b"", "more_body": False})
    elif path == "/stream":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for index in range(3):
            await send(
                {"type": "http.response.body", "body": f"{index};".encode(), "more_body": True}
            )
            await asyncio.sleep(0.01)
        await send({"type": "http.response.body", "body": b"end"})
    elif path == "/crash":
        raise RuntimeError("boom")
    else:
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b"not here"})


@albany.flavour("neutral")
async def neutral_app(scope: Any, receive: Receive, send: Send) -> None:
    helpers = scope["extensions"]["albany"]["helpers"]
    await helpers.sleep(0.01)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": helpers.loop_name.encode()})


async def native(request: web.Request) -> web.Response:
    return web.Response(text="aiohttp itself")


async def serving(client: Callable[[str], Awaitable[None]]) -> None:
    app = web.Application()
    app.router.add_get("/", native)
    add_albany_app(app, "/asgi", asgi_app)
    app.router.add_get("/neutral", albany_handler(neutral_app))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        await client(f"http://{host}:{port}")
    finally:
        await runner.cleanup()


def test_mounted_app_serves_its_prefix_with_lifespan() -> None:
    LOG.clear()

    async def client(base: str) -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(base + "/") as response:
                assert await response.text() == "aiohttp itself"
            async with session.get(base + "/asgi/scope?q=1", headers={"X-One": "a"}) as response:
                info = await response.json()
            assert info == {
                "path": "/asgi/scope",
                "root_path": "/asgi",
                "method": "GET",
                "http_version": "1.1",
                "scheme": "http",
                "query_string": "q=1",
                "state": {"greeting": "hi"},
                "client_host": "127.0.0.1",
                "x_one": ["a"],
            }
            async with session.get(base + "/asgi/other") as response:
                assert (response.status, await response.text()) == (404, "not here")
            async with session.get(base + "/asgifoo") as response:
                assert response.status == 404 and await response.text() == "404: Not Found"
            async with session.get(base + "/neutral") as response:
                assert await response.text() == "asyncio"
        assert LOG == ["startup"]

    asyncio.run(serving(client))
    assert LOG == ["startup", "shutdown"]


def test_bodies_stream_both_ways() -> None:
    async def client(base: str) -> None:
        async def upload() -> AsyncIterator[bytes]:
            for _ in range(20):
                yield b"p" * 50_000
                await asyncio.sleep(0)

        async with aiohttp.ClientSession() as session:
            async with session.post(base + "/asgi/echo", data=upload()) as response:
                assert response.status == 201 and response.headers["X-Echo"] == "1"
                assert response.headers["Transfer-Encoding"] == "chunked"
                assert await response.read() == b"p" * 1_000_000
            async with session.get(base + "/asgi/stream") as response:
                pieces = [chunk async for chunk, _ in response.content.iter_chunks()]
            assert b"".join(pieces) == b"0;1;2;end"
            assert len(pieces) >= 3  # the pieces left one by one

    asyncio.run(serving(client))


def test_app_failure_is_aiohttp_500() -> None:
    async def client(base: str) -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(base + "/asgi/crash") as response:
                assert response.status == 500

    asyncio.run(serving(client))


def test_twisted_flavoured_app_is_refused() -> None:
    @albany.flavour("twisted")
    async def deferred_app(scope: Any, receive: Receive, send: Send) -> None:
        raise AssertionError("never called")

    with pytest.raises(ValueError, match="twisted-flavoured"):
        AlbanyHandler(deferred_app)


def test_a_mounted_neutral_app_has_its_helpers_in_lifespan_too() -> None:
    @albany.flavour("neutral")
    async def app(scope: Any, receive: Receive, send: Send) -> None:
        helpers = scope["extensions"]["albany"]["helpers"]
        if scope["type"] == "lifespan":
            await receive()
            await helpers.sleep(0.01)
            scope["state"]["started_on"] = helpers.loop_name
            await send({"type": "lifespan.startup.complete"})
            await receive()
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = scope["state"].get("started_on", "no start-up").encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    async def main() -> None:
        application = web.Application()
        add_albany_app(application, "/n", app)
        runner = web.AppRunner(application, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        try:
            async with aiohttp.ClientSession() as session:
                async with session.get(f"http://{host}:{port}/n/") as response:
                    assert await response.text() == "asyncio"
        finally:
            await runner.cleanup()

    asyncio.run(main())

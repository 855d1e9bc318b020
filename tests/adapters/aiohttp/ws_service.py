"""An aiohttp application with WebSocket routes beside HTTP ones, for the adapter's tests.

``albany tests.adapters.aiohttp.ws_service:make_app --factory --loop twisted`` serves
it through Albany; ``python -m tests.adapters.aiohttp.ws_service`` serves it with
aiohttp's own server and prints ``serving on http://HOST:PORT`` like Albany does.
``make_plain_server_app`` is the same app behind a scope that offers
no extension (no ``websocket.http.response``, no ``albany.websocket.ping``, no
``albany``): what an ASGI server without them gives the adapter. Handlers record what
they saw under the ``tag`` query parameter; ``GET /events?tag=T`` returns it.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import defaultdict
from typing import Any, Awaitable, Callable

from aiohttp import WSMsgType, web

import albany
from albany.types import Message, Receive, Send
from albany_aiohttp import aiohttp_app

EVENTS: defaultdict[str, list[Any]] = defaultdict(list)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def record(request: web.Request, event: Any) -> None:
    EVENTS[request.query.get("tag", "")].append(event)


async def events(request: web.Request) -> web.Response:
    return web.json_response(EVENTS.get(request.query.get("tag", ""), []))


async def hello(request: web.Request) -> web.Response:
    return web.Response(text="plain HTTP beside WebSocket")


async def echo(request: web.Request) -> web.WebSocketResponse:
    """Echo text and binary; record how the session ended."""
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    async for message in ws:
        if message.type is WSMsgType.TEXT:
            await ws.send_str(message.data)
        elif message.type is WSMsgType.BINARY:
            await ws.send_bytes(message.data)
    record(request, {"closed": ws.closed, "close_code": ws.close_code})
    return ws


async def typed(request: web.Request) -> web.WebSocketResponse:
    """``receive_json``, ``receive_str``, ``receive_bytes`` and the ``send_*`` that match."""
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    data = await ws.receive_json()
    await ws.send_json({"got": data})
    text = await ws.receive_str()
    await ws.send_str(text.upper())
    payload = await ws.receive_bytes()
    await ws.send_bytes(payload[::-1])
    await ws.send_frame(b"frame", WSMsgType.BINARY)
    message = await ws.receive()
    record(request, {"type": message.type.name, "data": message.data, "code": ws.close_code})
    return ws


async def inspect(request: web.Request) -> web.WebSocketResponse:
    """What the handler sees of the upgrade request; a cookie and a header on the 101."""
    ws = web.WebSocketResponse(protocols=("chat", "superchat"))
    ready = ws.can_prepare(request)
    ws.set_cookie("seen", "yes")
    ws.headers["X-Handshake"] = "aiohttp"
    await ws.prepare(request)
    peer = ws.get_extra_info("peername")
    await ws.send_json(
        {
            "name": request.match_info["name"],
            "path": request.path,
            "query": dict(request.query),
            "cookies": dict(request.cookies),
            "token": request.headers.get("X-Token"),
            "offers": request.headers.get("Sec-WebSocket-Extensions"),
            "upgrade": request.headers.get("Upgrade"),
            "ws_protocol": ws.ws_protocol,
            "can_prepare": [ready.ok, ready.protocol],
            "compress": ws.compress,
            "remote": request.remote,
            "peer": peer[0] if peer else None,
            "prepared": ws.prepared,
        }
    )
    await ws.close()
    return ws


async def server_close(request: web.Request) -> web.WebSocketResponse:
    """Close with 4001 "bye" after the first message; record the client's answer."""
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    await ws.receive_str()
    closed = await ws.close(code=4001, message=b"bye")
    record(request, {"closed": closed, "close_code": ws.close_code, "is_closed": ws.closed})
    return ws


async def deny(request: web.Request) -> web.StreamResponse:
    raise web.HTTPForbidden(text="no websocket for you")


async def refuse(request: web.Request) -> web.StreamResponse:
    """A normal response on a WebSocket route: the session is refused with it."""
    return web.Response(
        status=401, text="log in first", headers={"WWW-Authenticate": 'Bearer realm="ws"'}
    )


async def crash_early(request: web.Request) -> web.WebSocketResponse:
    raise RuntimeError("handler crashed before prepare")


async def crash(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    await ws.receive_str()
    raise RuntimeError("handler crashed after prepare")


async def count(request: web.Request) -> web.WebSocketResponse:
    """Send the numbers below the one received, in order, then close."""
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    for number in range(int(await ws.receive_str())):
        await ws.send_str(str(number))
    await ws.close()
    return ws


async def control(request: web.Request) -> web.WebSocketResponse:
    """``autoping=False``: ping the client; report each PING and PONG the handler gets."""
    ws = web.WebSocketResponse(autoping=False)
    await ws.prepare(request)
    try:
        await ws.ping(b"hello")
    except NotImplementedError as error:
        await ws.send_str(f"no ping: {error}")
    async for message in ws:
        if message.type is WSMsgType.PONG:
            await ws.send_str(f"pong:{message.data.decode()}")
        elif message.type is WSMsgType.PING:
            await ws.send_str(f"ping:{message.data.decode()}")
        elif message.type is WSMsgType.TEXT:
            if message.data == "pong me":
                try:
                    await ws.pong(b"unsolicited")
                except NotImplementedError as error:
                    await ws.send_str(f"no pong: {error}")
            else:
                await ws.send_str(message.data)
    return ws


async def heartbeat(request: web.Request) -> web.WebSocketResponse:
    """``heartbeat=1``: echo text; record how the session ended."""
    ws = web.WebSocketResponse(heartbeat=float(request.query.get("every", "1")))
    await ws.prepare(request)
    async for message in ws:
        if message.type is WSMsgType.TEXT:
            await ws.send_str(message.data)
        elif message.type is WSMsgType.ERROR:
            record(request, {"error": type(message.data).__name__})
    record(request, {"close_code": ws.close_code})
    return ws


async def limited(request: web.Request) -> web.WebSocketResponse:
    """``max_msg_size=1024``: echo; a bigger message fails the session with 1009."""
    ws = web.WebSocketResponse(max_msg_size=1024)
    await ws.prepare(request)
    async for message in ws:
        if message.type is WSMsgType.ERROR:
            record(request, {"error": str(message.data)})
        else:
            await ws.send_str(f"{len(message.data)}")
    record(request, {"close_code": ws.close_code})
    return ws


async def timeout(request: web.Request) -> web.WebSocketResponse:
    """``receive_timeout``: no message in time raises ``TimeoutError`` in the handler."""
    ws = web.WebSocketResponse(receive_timeout=0.2)
    await ws.prepare(request)
    try:
        await ws.receive()
    except asyncio.TimeoutError:
        await ws.send_str("timed out")
    await ws.close()
    return ws


async def raw_text(request: web.Request) -> web.WebSocketResponse[bool]:
    """``decode_text=False``: text messages arrive as bytes."""
    ws: web.WebSocketResponse[bool] = web.WebSocketResponse(decode_text=False)
    await ws.prepare(request)
    message = await ws.receive()
    await ws.send_str(f"{message.type.name}:{type(message.data).__name__}:{message.data!r}")
    await ws.close()
    return ws


async def private(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    await ws.send_str(f"welcome {request['user']}")
    await ws.close()
    return ws


@web.middleware
async def token_check(request: web.Request, handler: Handler) -> web.StreamResponse:
    """On ``/ws/private``: refuse without ``?token=secret``; else name the user."""
    if request.path == "/ws/private":
        if request.query.get("token") != "secret":
            raise web.HTTPForbidden(text="token required")
        request["user"] = "ann"
    return await handler(request)


def make_app() -> web.Application:
    """The WebSocket service: HTTP routes, WebSocket routes and a middleware."""
    app = web.Application(middlewares=[token_check])
    app.router.add_get("/", hello)
    app.router.add_get("/events", events)
    app.router.add_get("/ws/echo", echo)
    app.router.add_get("/ws/typed", typed)
    app.router.add_get("/ws/inspect/{name}", inspect)
    app.router.add_get("/ws/close", server_close)
    app.router.add_get("/ws/deny", deny)
    app.router.add_get("/ws/refuse", refuse)
    app.router.add_get("/ws/crash", crash)
    app.router.add_get("/ws/crash-early", crash_early)
    app.router.add_get("/ws/count", count)
    app.router.add_get("/ws/control", control)
    app.router.add_get("/ws/heartbeat", heartbeat)
    app.router.add_get("/ws/limited", limited)
    app.router.add_get("/ws/timeout", timeout)
    app.router.add_get("/ws/raw", raw_text)
    app.router.add_get("/ws/private", private)
    return app


_ALBANY_ONLY = frozenset(("albany.websocket.ping", "albany.websocket.pong"))


def without_extensions(app: Any) -> Any:
    """``app`` behind scopes that offer no extension (an ASGI server that has none)."""

    @albany.flavour("asyncio")
    async def plain(scope: Any, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await app(scope, receive, send)
            return

        async def checked_send(message: Message) -> None:
            if message["type"] in _ALBANY_ONLY or "albany.websocket.ping" in message:
                raise RuntimeError(f"an extension the server does not offer: {message}")
            if message["type"].startswith("websocket.http.response"):
                raise RuntimeError(f"an extension the server does not offer: {message}")
            await send(message)

        await app({**scope, "extensions": {}}, receive, checked_send)

    return plain


def make_plain_server_app() -> Any:
    """The service as an ASGI server without extensions would serve it."""
    return without_extensions(aiohttp_app(make_app()))


async def serve_with_aiohttp(host: str, port: int) -> None:
    """aiohttp's own server, until cancelled; prints the address it listens on."""
    runner = web.AppRunner(make_app(), access_log=None)
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
    args = parser.parse_args()
    try:
        asyncio.run(serve_with_aiohttp(args.host, args.port))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

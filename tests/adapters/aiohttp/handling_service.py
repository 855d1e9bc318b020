"""An aiohttp application for how Albany hands requests to aiohttp (bodies, start-up, upgrades).

``make_app`` stores state from ``on_startup`` with warnings as errors (a frozen app
would fail start-up), and is served with ``handler_cancellation`` on; its ``/drop/...``
handlers end in ways after which aiohttp's server sends no response (or no more of one);
``make_tuned_app`` sets ``handler_args`` (``read_bufsize``, ``auto_decompress``).
"""

from __future__ import annotations

import asyncio
import gc
import warnings

from aiohttp import web

STARTUP_NOTE = web.AppKey("startup_note", str)
EVENTS: list[str] = []


async def store_on_startup(app: web.Application) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        app[STARTUP_NOTE] = "stored during start-up"


async def token_required(request: web.Request) -> None:
    """An expect handler as aiohttp's documentation writes one: refuse, or let the body come."""
    for _ in range(3):
        await asyncio.sleep(0)  # a look-up of the token: the loop runs meanwhile
    if "X-Token" not in request.headers:
        raise web.HTTPForbidden(text="no token, no upload")
    assert request.transport is not None
    request.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")


async def token_required_returning(request: web.Request) -> web.Response | None:
    """As ``token_required``, refusing with a returned response rather than a raised one."""
    for _ in range(3):
        await asyncio.sleep(0)
    if "X-Token" not in request.headers:
        return web.HTTPForbidden(text="no token, no upload")
    await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    return None


async def says_nothing(request: web.Request) -> None:
    """An expect handler that neither refuses nor writes the interim response."""


async def startup_note(request: web.Request) -> web.Response:
    return web.Response(text=request.app[STARTUP_NOTE])


async def echo(request: web.Request) -> web.Response:
    return web.Response(body=await request.read())


async def decoded(request: web.Request) -> web.Response:
    """The body as aiohttp delivers it; 400 when it does not decode (the app's choice)."""
    try:
        body = await request.read()
    except web.RequestPayloadError as error:
        raise web.HTTPBadRequest(text=f"bad body: {type(error.__cause__).__name__}") from error
    return web.Response(body=body)


async def buffer_limits(request: web.Request) -> web.Response:
    low, high = request.content.get_read_buffer_limits()
    body = await request.read()
    return web.json_response({"limits": [low, high], "length": len(body)})


async def big(request: web.Request) -> web.Response:
    return web.Response(body=b"x" * int(request.query["size"]))


async def endless(request: web.Request) -> web.StreamResponse:
    """Write faster than the client reads, until it leaves (its writes then wait on drain)."""
    response = web.StreamResponse()
    await response.prepare(request)
    written = 0
    try:
        while True:
            await response.write(b"x" * 65536)
            written += 65536
            if written == 2**20:
                EVENTS.append("endless: a MiB written")
    except asyncio.CancelledError:
        EVENTS.append("endless: cancelled")
        raise


async def prepared_then_wait(request: web.Request) -> web.StreamResponse:
    """Send the head, then wait without writing until cancelled (the client leaves)."""
    response = web.StreamResponse()
    await response.prepare(request)
    EVENTS.append("prepared")
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        EVENTS.append("cancelled after prepare")
        raise
    return response


class Unwinding(BaseException):
    """Not an ``Exception``: aiohttp's error page does not catch it."""


async def raise_cancelled(request: web.Request) -> web.Response:
    raise asyncio.CancelledError()


async def raise_base_exception(request: web.Request) -> web.Response:
    raise Unwinding("unwinding")


async def streamed_then_cancelled(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse()
    await response.prepare(request)
    await response.write(b"partial")
    raise asyncio.CancelledError()


async def transport_closed(request: web.Request) -> web.Response:
    assert request.transport is not None
    request.transport.close()
    return web.Response(text="never sent")


async def failing_prepare_hook(request: web.Request, response: web.StreamResponse) -> None:
    if request.path == "/drop/prepare-hook-fails":
        raise RuntimeError("on_response_prepare failed")


async def never_prepared(request: web.Request) -> web.Response:
    return web.Response(text="never sent")


async def with_reason(request: web.Request) -> web.Response:
    return web.Response(status=int(request.query["status"]), reason=request.query["reason"])


async def http_exception_reason(request: web.Request) -> web.Response:
    raise web.HTTPForbidden(reason="Go Away")


async def reason_refused_by_albany(request: web.Request) -> web.Response:
    """A reason aiohttp's check lets through (no CR or LF) and Albany's refuses."""
    return web.Response(text="never sent", reason="Fine\x00Print")


OWN_DATE = "Sun, 30 Oct 2016 03:13:52 GMT"


async def own_date_and_server(request: web.Request) -> web.Response:
    return web.Response(text="dated", headers={"Date": OWN_DATE, "Server": "own/1.0"})


async def events(request: web.Request) -> web.Response:
    gc.collect()  # a coroutine never awaited warns when it is collected
    return web.json_response(EVENTS)


async def websocket(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    await ws.send_str("hello")
    await ws.close()
    return ws


def _routes(app: web.Application) -> web.Application:
    app.router.add_get("/startup-note", startup_note)
    app.router.add_post("/echo", echo)
    app.router.add_post("/guarded", echo, expect_handler=token_required)
    app.router.add_post("/quiet-expect", echo, expect_handler=says_nothing)
    app.router.add_post("/guarded-returning", echo, expect_handler=token_required_returning)
    app.router.add_post("/decoded", decoded)
    app.router.add_post("/limits", buffer_limits)
    app.router.add_get("/prepared-then-wait", prepared_then_wait)
    app.router.add_get("/big", big)
    app.router.add_get("/endless", endless)
    app.router.add_get("/events", events)
    app.router.add_get("/drop/cancelled", raise_cancelled)
    app.router.add_get("/drop/base-exception", raise_base_exception)
    app.router.add_get("/drop/streamed-then-cancelled", streamed_then_cancelled)
    app.router.add_get("/drop/transport-closed", transport_closed)
    app.router.add_get("/drop/prepare-hook-fails", never_prepared)
    app.router.add_get("/drop/bad-reason", reason_refused_by_albany)
    app.router.add_get("/dated", own_date_and_server)
    app.router.add_get("/reason", with_reason)
    app.router.add_get("/reason/http-exception", http_exception_reason)
    app.on_response_prepare.append(failing_prepare_hook)
    app.router.add_get("/ws", websocket)
    return app


def make_app() -> web.Application:
    app = web.Application(client_max_size=2**22, handler_args={"handler_cancellation": True})
    app.on_startup.append(store_on_startup)
    return _routes(app)


def make_tuned_app() -> web.Application:
    return _routes(web.Application(handler_args={"read_bufsize": 2, "auto_decompress": False}))

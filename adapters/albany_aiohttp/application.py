"""An ``aiohttp.web.Application`` as an Albany app (asyncio flavour; any ASGI server).

One request, in order: the scope becomes a ``RawRequestMessage``; an
``AsgiTransport`` stands for the connection (peer address, reading ``receive``
into the body ``StreamReader``); a ``RequestHandler`` — aiohttp's own protocol,
its parser idle — runs the app's handler and answers as aiohttp does; the response
leaves through an ``AsgiStreamWriter``. A ``websocket`` scope is handled the same
way, with a ``WebSocketTransport`` and an ``AsgiWebSocket`` standing for the session
(``websocket.py``). Lifespan runs the app's ``on_startup``, ``cleanup_ctx``,
``on_shutdown`` and ``on_cleanup``.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any, Awaitable, Mapping, Union

from aiohttp import web
from aiohttp.streams import EMPTY_PAYLOAD, StreamReader
from aiohttp.web_protocol import PayloadAccessError

from albany.types import Receive, Send
from albany_aiohttp._aiohttp_private import (
    AsgiRequestHandler,
    BodySettings,
    DeflateBuffer,
    body_settings,
    handle_request,
    make_server,
    make_watched_request,
    prepare_for_startup,
)
from albany_aiohttp.lifespan import run_lifespan
from albany_aiohttp.message import request_message
from albany_aiohttp.prefix import RoutePrefix
from albany_aiohttp.transport import AsgiTransport, BodySink
from albany_aiohttp.websocket import AsgiWebSocket, handshake_scope
from albany_aiohttp.websocket_transport import WebSocketTransport
from albany_aiohttp.writer import AsgiStreamWriter

_POOL_SIZE = 256
"""Idle ``RequestHandler`` objects kept for reuse (one per concurrent request at most)."""

ApplicationSource = Union[web.Application, Awaitable[web.Application]]
"""An application, or an awaitable making one on the serving loop (as ``run_app`` takes)."""


class AiohttpApp:
    """Serves one ``web.Application``; ``aiohttp_app(application)`` makes it."""

    __albany_flavour__ = "asyncio"

    def __init__(
        self,
        application: ApplicationSource,
        *,
        handler_cancellation: bool = False,
        handler_args: Mapping[str, Any] | None = None,
    ) -> None:
        self._source: Awaitable[web.Application] | None = None
        if isinstance(application, web.Application):
            self._application: web.Application | None = application
        elif inspect.isawaitable(application):
            self._application, self._source = None, application
        else:
            raise TypeError(f"not an aiohttp application: {application!r}")
        self.handler_cancellation = handler_cancellation
        self.handler_args = dict(handler_args or {})
        self._server: web.Server | None = None
        self._body = BodySettings(2**16, True)
        self._idle_protocols: list[AsgiRequestHandler] = []
        self._prefix = RoutePrefix()

    @property
    def application(self) -> web.Application:
        """The ``web.Application`` (once an awaitable given instead has been awaited)."""
        if self._application is None:
            raise RuntimeError("the application is still being made: it is awaited at start-up")
        return self._application

    async def application_for_startup(self) -> web.Application:
        """The application, bound to the running loop, its ``on_startup`` frozen, not itself."""
        if self._source is not None:
            source, self._source = self._source, None
            self._application = await source
        prepare_for_startup(self.application, asyncio.get_running_loop())
        return self.application

    async def server(self) -> web.Server:
        """aiohttp's ``web.Server`` for the running loop (made once: it freezes the app).

        Its settings are ``AppRunner``'s: ``handler_cancellation``, then ``handler_args``
        given here, then the application's own ``handler_args``.
        """
        if self._server is None:
            if self._source is not None:
                source, self._source = self._source, None
                self._application = await source
            settings = {"handler_cancellation": self.handler_cancellation, "access_log": None}
            self._server = make_server(
                self.application,
                asyncio.get_running_loop(),
                **{**settings, **self.handler_args},
            )
            self._body = body_settings(self._server)
        return self._server

    async def __call__(self, scope: Any, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self.handle(scope, receive, send)
        elif kind == "websocket":
            await self.handle_websocket(scope, receive, send)
        elif kind == "lifespan":
            await run_lifespan(self, receive, send)
        else:
            raise RuntimeError(f"aiohttp applications serve HTTP and WebSocket, not {kind!r}")

    async def handle(self, scope: Any, receive: Receive, send: Send) -> None:
        """Serve one HTTP request."""
        server = self._server or await self.server()
        self._prefix.follow(self.application, scope.get("root_path", ""))
        parsed = request_message(scope)
        message = parsed.message
        transport = AsgiTransport(scope, receive)
        if self._idle_protocols:
            protocol = self._idle_protocols.pop()
            protocol.reuse(transport)
        else:
            protocol = AsgiRequestHandler(server, transport)
        payload: StreamReader = EMPTY_PAYLOAD
        sink: BodySink | None = None
        if parsed.has_body:
            limit, decompress = self._body
            payload = sink = StreamReader(protocol, limit, loop=asyncio.get_running_loop())
            if message.compression is not None and decompress:
                sink = DeflateBuffer(payload, message.compression, max_decompress_size=limit)
        writer = AsgiStreamWriter(
            protocol, send, scope.get("extensions") or {}, transport.continue_body
        )
        task = asyncio.current_task()
        protocol.adopt_task(task)
        request = server.request_factory(message, payload, protocol, writer, task)  # type: ignore[arg-type]
        server.requests_count += 1
        transport.start_reading(protocol, sink, parsed.has_body, parsed.expects_continue)
        try:
            await _run_handler(server, protocol, request, transport, task, writer)
        finally:
            writer.discard()
            transport.finish()
            protocol.adopt_task(None)
            request._task = None  # type: ignore[assignment]  # aiohttp breaks this cycle too
            if parsed.has_body:
                payload.set_exception(PayloadAccessError())
            if protocol.reusable() and len(self._idle_protocols) < _POOL_SIZE:
                self._idle_protocols.append(protocol)

    async def handle_websocket(self, scope: Any, receive: Receive, send: Send) -> None:
        """Serve one WebSocket session: the app's handler with a ``WebSocketResponse``."""
        if (await receive())["type"] != "websocket.connect":
            return  # gone before it began
        server = self._server or await self.server()
        self._prefix.follow(self.application, scope.get("root_path", ""))
        message = request_message(handshake_scope(scope)).message
        transport = WebSocketTransport(scope, receive)
        protocol = AsgiRequestHandler(server, transport)  # not pooled: its parser is set
        session = AsgiWebSocket(scope, send, transport)
        protocol.websocket = session
        writer = AsgiStreamWriter(protocol, session.send_http, scope.get("extensions") or {})
        task = asyncio.current_task()
        protocol.adopt_task(task)
        request = make_watched_request(server, message, EMPTY_PAYLOAD, protocol, writer, task)
        server.requests_count += 1
        transport.start_session(protocol, session)
        try:
            await _run_handler(server, protocol, request, transport, task, None)
        finally:
            writer.discard()
            transport.finish()
            protocol.adopt_task(None)
            request._task = None  # type: ignore[assignment]
        await session.finish()


async def _run_handler(
    server: web.Server,
    protocol: AsgiRequestHandler,
    request: web.BaseRequest,
    transport: AsgiTransport,
    task: asyncio.Task[Any] | None,
    writer: AsgiStreamWriter | None,
) -> None:
    """Run the app's handler for ``request`` and send its response, as aiohttp does.

    Where aiohttp's connection loop would close the connection with the response
    unfinished — the handler raised ``CancelledError`` or a ``BaseException``, the
    response failed outside the handler, the handler closed ``request.transport`` —
    an HTTP response (``writer``) is aborted: the client gets no (more) response,
    never a 500 page in its place.
    """
    try:
        await handle_request(protocol, request, server.request_handler)
    except asyncio.CancelledError:
        if transport.client_gone and server.handler_cancellation:
            if task is not None and hasattr(task, "uncancel"):
                task.uncancel()
            return
        aborted = writer is not None and await writer.abort()
        if not aborted or _being_cancelled(task):
            raise  # someone else's cancellation, or no way to drop the connection here
        return  # the handler raised it: aiohttp drops the connection, and logs nothing
    except ConnectionError:
        pass  # failed after the response started, or the client went away
    except BaseException:
        if writer is not None:
            await writer.abort()
        raise
    if writer is not None and not writer.finished:
        await writer.abort()


def _being_cancelled(task: asyncio.Task[Any] | None) -> bool:
    """Whether ``task`` has a cancellation requested (unknown before Python 3.11: True)."""
    cancelling = getattr(task, "cancelling", None)
    return cancelling is None or cancelling() > 0


def aiohttp_app(
    application: ApplicationSource,
    *,
    handler_cancellation: bool = False,
    handler_args: Mapping[str, Any] | None = None,
) -> AiohttpApp:
    """``application`` as an Albany app.

    ``handler_cancellation`` is aiohttp's server setting of that name: when True, a
    handler whose client disconnects is cancelled; when False (the default) it runs
    on, its reads fail and its writes raise ``ConnectionResetError``.
    ``handler_args`` are further ``web.Server`` settings, as ``AppRunner(app, **kwargs)``
    takes them (``read_bufsize``, ``auto_decompress``, ``logger``…); the application's
    own ``handler_args`` win, as under ``AppRunner``.
    """
    return AiohttpApp(
        application, handler_cancellation=handler_cancellation, handler_args=handler_args
    )

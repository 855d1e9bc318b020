"""``tornado_app``: a Tornado ``HTTPServerConnectionDelegate`` as an Albany (ASGI) app.

Each ``http`` scope is one request driven the way Tornado's ``HTTP1Connection`` drives
it, with ``receive``/``send`` in place of the ``IOStream``:

1. ``start_request`` on the delegate, then ``headers_received`` (awaited when it
   returns a future: a ``@stream_request_body`` handler's ``prepare``);
2. the body, ``receive()`` by ``receive()``, to ``data_received`` in pieces of at most
   ``chunk_size`` bytes, each awaited before the next ``receive()`` — a slow handler
   leaves the body in Albany's buffer, which stops reading the socket;
3. ``finish`` (or ``on_connection_close`` if the response was finished first, or the
   client went away, or the body was malformed or too large: 400, as Tornado answers,
   or took longer than ``body_timeout``: 408 and the connection closes);
4. ``receive()`` once more: ``http.disconnect`` comes when the response is complete or
   the client has gone; in the latter case the handler's ``on_connection_close`` runs.

A ``websocket`` scope is the upgrade request, driven the same way; a
``WebSocketHandler`` then talks ASGI messages (``albany_tornado.websocket``).
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

from tornado import httputil
from tornado.log import app_log, gen_log

from albany.types import App, Message, Receive, Send
from albany_tornado.callback import as_delegate
from albany_tornado.connection import AlbanyConnection
from albany_tornado.context import RequestContext
from albany_tornado.decompress import GzipRequestDelegate
from albany_tornado.options import ServerOptions
from albany_tornado.prefix import start_request

_REASON_EXTENSION = "albany.http.reason"


class ServerConnectionToken:
    """The opaque ``server_conn`` Tornado passes to ``start_request``/``on_close``.

    ASGI does not say which requests share a TCP connection, so each request has its
    own token, closed when the request ends.
    """

    __slots__ = ("context",)

    def __init__(self, context: RequestContext) -> None:
        self.context = context


class TornadoApp:
    """An asyncio-flavoured Albany app serving a Tornado delegate (an ``Application``)."""

    __albany_plain_upgrades__ = True
    """An upgrade request that is not a valid WebSocket handshake comes as a plain ``http``
    request: an ordinary handler serves it, a ``WebSocketHandler`` answers 400 or 426, as
    in Tornado."""

    def __init__(
        self, delegate: httputil.HTTPServerConnectionDelegate, options: ServerOptions
    ) -> None:
        self.delegate = delegate
        self.options = options
        self.sessions: set[asyncio.Future[None]] = set()
        """One future per WebSocket session still being served, resolved as it ends."""

    async def __call__(self, scope: Any, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._serve(scope, receive, send)
        elif kind == "websocket":
            from albany_tornado.websocket import serve_websocket  # tornado.websocket: when used

            ended: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self.sessions.add(ended)
            try:
                await serve_websocket(self, scope, receive, send)
            finally:
                self.sessions.discard(ended)
                ended.set_result(None)
        elif kind == "lifespan":
            await _lifespan(receive, send)
        else:
            raise RuntimeError(f"Tornado apps serve http and websocket scopes, not {kind!r}")

    async def _serve(self, scope: Any, receive: Receive, send: Send) -> None:
        options = self.options
        context = RequestContext.from_scope(scope, options)
        headers = request_headers(scope["headers"])
        if options.xheaders:
            context.apply_proxy_headers(headers, options.trusted_downstream)
        start_line = httputil.RequestStartLine(
            scope["method"], request_uri(scope), "HTTP/" + scope["http_version"]
        )
        connection = AlbanyConnection(
            send,
            asyncio.get_running_loop(),
            context,
            options.max_body_size,
            options.no_keep_alive,
            options.body_timeout,
        )
        connection.send_reason = _REASON_EXTENSION in (scope.get("extensions") or ())
        connection.head_request = scope["method"] == "HEAD"
        token = ServerConnectionToken(context)
        delegate = start_request(self.delegate, scope, token, connection)
        if options.decompress_request:
            delegate = GzipRequestDelegate(delegate, options.chunk_size, connection)
        try:
            if await self._exchange(delegate, connection, start_line, headers, receive):
                await _until_disconnect(connection, receive)
            if connection.sending:
                await connection.drained()
            if connection.broken.done():
                raise connection.broken.result()  # Albany closes the connection
        finally:
            self.delegate.on_close(token)

    async def _exchange(
        self,
        delegate: httputil.HTTPMessageDelegate,
        connection: AlbanyConnection,
        start_line: httputil.RequestStartLine,
        headers: httputil.HTTPHeaders,
        receive: Receive,
    ) -> bool:
        """Steps 1–3; False when the exchange ended early (client gone, answered 400, or
        the delegate raised)."""
        connection.body_complete = not _has_body(headers)
        try:
            waiting = delegate.headers_received(start_line, headers)
            if waiting is not None:
                await waiting
            declared = headers.get("Content-Length")
            if declared is not None and declared.isdigit():
                if int(declared) > connection.max_body_size:
                    raise httputil.HTTPInputError("Content-Length too long")
            if not connection.write_finished:
                if not await self._read_body_in_time(delegate, connection, receive):
                    delegate.on_connection_close()
                    return False
            if connection.write_finished:
                delegate.on_connection_close()  # Tornado's rule: finish() only if still wanted
            else:
                delegate.finish()
        except httputil.HTTPInputError as error:
            gen_log.info("Malformed HTTP message from %s: %s", connection.context, error)
            delegate.on_connection_close()
            connection.reject(400)
            return False
        except Exception as error:
            # a delegate's own error (a RequestHandler catches its own): logged as Tornado
            # logs it, and the connection is closed after a 500 if nothing was written yet
            app_log.error("Uncaught exception", exc_info=True)
            try:
                delegate.on_connection_close()
            except Exception:
                app_log.error("Uncaught exception", exc_info=True)
            connection.failed(error)
            return False
        return True

    async def _read_body_in_time(
        self,
        delegate: httputil.HTTPMessageDelegate,
        connection: AlbanyConnection,
        receive: Receive,
    ) -> bool:
        """``_read_body`` within the connection's ``body_timeout``; on timeout, 408 and close."""
        timeout = connection.body_timeout
        if timeout is None:
            return await self._read_body(delegate, connection, receive)
        reading = asyncio.ensure_future(self._read_body(delegate, connection, receive))
        await asyncio.wait((reading,), timeout=timeout)
        if reading.done():
            return reading.result()
        reading.cancel()
        gen_log.info("Timeout reading body from %s", connection.context)
        connection.timed_out()
        return False

    async def _read_body(
        self,
        delegate: httputil.HTTPMessageDelegate,
        connection: AlbanyConnection,
        receive: Receive,
    ) -> bool:
        """Deliver the body; False if the client went away before it was complete."""
        chunk_size = self.options.chunk_size
        received = 0
        while True:
            message: Message = await receive()
            if message["type"] != "http.request":
                return False
            body: bytes = message.get("body", b"")
            if body:
                received += len(body)
                if received > connection.max_body_size:
                    raise httputil.HTTPInputError("chunked body too large")  # Tornado's words
                for start in range(0, len(body), chunk_size):
                    if connection.write_finished:
                        return True
                    piece = body if len(body) <= chunk_size else body[start : start + chunk_size]
                    waiting = delegate.data_received(piece)
                    if waiting is not None:
                        await waiting
            if not message.get("more_body", False):
                connection.body_complete = True
                return True
            if connection.write_finished:
                return True


async def _until_disconnect(connection: AlbanyConnection, receive: Receive) -> None:
    """Step 4: wait for ``http.disconnect``, or for the response to break."""
    broken = connection.broken
    while not broken.done():
        receiving = asyncio.ensure_future(receive())
        await asyncio.wait((receiving, broken), return_when=asyncio.FIRST_COMPLETED)
        if not receiving.done():
            receiving.cancel()
            return
        if receiving.result()["type"] == "http.disconnect":  # a server may send more
            if not connection.response_complete:
                connection.client_gone()
            return


def tornado_app(delegate: Any, **options: Any) -> App:
    """``delegate`` (a ``tornado.web.Application``, a router…, or a plain
    ``callback(request)`` as ``HTTPServer`` takes) as an asyncio-flavoured Albany app.

    ``options`` are ``tornado.httpserver.HTTPServer``'s per-request keyword arguments:
    ``xheaders``, ``protocol``, ``trusted_downstream``, ``decompress_request``,
    ``chunk_size``, ``max_body_size``, ``max_buffer_size``, ``no_keep_alive``, ``body_timeout``.
    """
    return TornadoApp(as_delegate(delegate), ServerOptions.from_tornado(**options))


def _has_body(headers: httputil.HTTPHeaders) -> bool:
    declared = headers.get("Content-Length")
    return "Transfer-Encoding" in headers or (declared is not None and declared.strip() != "0")


def request_headers(raw: list[tuple[bytes, bytes]]) -> httputil.HTTPHeaders:
    """ASGI raw headers as Tornado's ``HTTPHeaders`` (repeated fields joined, as Tornado does)."""
    headers = httputil.HTTPHeaders()
    add = headers.add
    for name, value in raw:
        add(name.decode("latin-1"), value.decode("latin-1"))
    return headers


def request_uri(scope: Any) -> str:
    """The request target as sent: the raw path and the query string."""
    raw_path = scope.get("raw_path")
    path = raw_path.decode("latin-1") if raw_path else quote(scope["path"])
    query = scope.get("query_string", b"")
    return f"{path}?{query.decode('latin-1')}" if query else path


async def _lifespan(receive: Receive, send: Send) -> None:
    """Tornado apps have no start-up or shut-down hooks: answer both at once."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return

"""A ``websocket`` scope through a Tornado delegate: ``WebSocketHandler`` over ASGI messages.

1. After ``websocket.connect``, the upgrade request goes through the delegate as the
   ``GET`` it is (``start_request``, ``headers_received``, ``finish``), so routing,
   ``prepare``, ``check_origin``, cookies and path arguments work as in Tornado. The
   connection (``WebSocketConnection``) gives a ``WebSocketHandler`` the stand-in
   protocol (``AlbanyWebSocketProtocol``) and turns its answer into
   ``websocket.accept`` or a denial.
2. Until the handler answers, ``receive()`` is watched: ``websocket.disconnect`` there
   (the client left, or the server's open timeout passed) runs the handler's
   ``on_connection_close``, as Tornado does when the stream closes.
3. Once accepted and ``open()`` has returned, each message from ``receive()`` goes to
   the protocol, and what ``on_message`` returns is awaited before the next
   ``receive()``: a slow handler leaves messages in Albany's queue, which then stops
   reading the socket. Every ``MESSAGES_PER_TURN`` messages the loop runs once, so a
   burst of small frames does not hold it. ``websocket.disconnect`` ends the session
   with ``on_close``.
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable

from tornado import httputil
from tornado.log import gen_log

from albany.types import Message, Receive, Send
from albany_tornado.application import (
    ServerConnectionToken,
    TornadoApp,
    request_headers,
    request_uri,
)
from albany_tornado.context import RequestContext
from albany_tornado.prefix import start_request
from albany_tornado.websocket_connection import PING_EXTENSION, WebSocketConnection
from albany_tornado.websocket_protocol import AlbanyWebSocketProtocol

_PONG = "albany.websocket.pong"

MESSAGES_PER_TURN = 16
"""Messages delivered before the session lets the loop run once: a burst of small frames
(all queued, so ``receive()`` never waits) does not hold the loop, as Tornado's read loop
does not hold it."""


async def serve_websocket(app: TornadoApp, scope: Any, receive: Receive, send: Send) -> None:
    """Serve one ``websocket`` scope with ``app``'s delegate."""
    if (await receive())["type"] != "websocket.connect":
        return
    options = app.options
    scheme = "https" if scope.get("scheme") == "wss" else "http"
    context = RequestContext(scope.get("client"), options.protocol or scheme)
    headers = request_headers(scope["headers"])
    if options.xheaders:
        context.apply_proxy_headers(headers, options.trusted_downstream)
    start_line = httputil.RequestStartLine(
        "GET", request_uri(scope), "HTTP/" + scope.get("http_version", "1.1")
    )
    connection = WebSocketConnection(
        send,
        asyncio.get_running_loop(),
        context,
        list(scope.get("subprotocols") or ()),
        scope.get("extensions") or {},
    )
    token = ServerConnectionToken(context)
    delegate = start_request(app.delegate, scope, token, connection)
    try:
        try:
            waiting = delegate.headers_received(start_line, headers)
            if waiting is not None:
                await waiting
            if connection.write_finished:
                delegate.on_connection_close()
            else:
                delegate.finish()
        except httputil.HTTPInputError as error:
            gen_log.info("Malformed HTTP message from %s: %s", context, error)
            delegate.on_connection_close()
            connection.reject(400)
        await _session(connection, receive)
        if connection.sending:
            await connection.drained()
    finally:
        app.delegate.on_close(token)


async def _session(connection: WebSocketConnection, receive: Receive) -> None:
    """Steps 2 and 3: wait for the handler's answer, then deliver messages until the end."""
    receiving = asyncio.ensure_future(receive())
    answered = connection.answered
    await asyncio.wait((receiving, answered), return_when=asyncio.FIRST_COMPLETED)
    if not answered.done():  # websocket.disconnect before an answer
        connection.client_gone()
        return
    protocol = connection.protocol
    if not connection.accepted or protocol is None:
        receiving.cancel()  # denied: the session is over
        return
    await protocol.opened
    message = await receiving
    delivered = 0
    while message["type"] != "websocket.disconnect":
        handled = _deliver(protocol, message)
        if handled is not None:
            await handled
        delivered += 1
        if delivered % MESSAGES_PER_TURN == 0:
            # queued messages come back from receive() without a wait: let the loop run
            await asyncio.sleep(0)
        message = await receive()
    protocol.disconnected(message.get("code", 1005), message.get("reason"))


def _deliver(protocol: AlbanyWebSocketProtocol, message: Message) -> Awaitable[None] | None:
    """Hand ``message`` to the protocol; what the handler returned, to await, or None."""
    kind = message["type"]
    if kind == "websocket.receive":
        return protocol.message_received(message)
    if kind == _PONG:
        return protocol.pong_received(message.get("bytes") or b"")
    if kind == PING_EXTENSION:
        protocol.ping_received(message.get("bytes") or b"")
    return None

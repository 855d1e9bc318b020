"""WebSocket sessions in a twisted.web tree: ``twisted.web.websocket`` resources on Albany's frames.

A ``websocket`` scope becomes a real ``Request`` (the site's ``requestFactory``, headers,
cookies, ``root_path`` as the site's path) and is traversed like a ``GET``
(``site.getResourceFor``). Then, by the resource found:

- a ``twisted.web.websocket.WebSocketResource``: its factory's ``buildProtocol(request)``
  makes the protocol; the session is accepted (subprotocol: the
  ``Sec-WebSocket-Protocol`` header the factory set on the request; headers and cookies it
  set go with the ``101``), and the protocol runs on a ``MessageTransport``
  (``websocket_transport``). Twisted's own wsproto engine never runs.
- an ``autobahn.twisted.resource.WebSocketResource``: ``albany_autobahn.serve_factory``.
- anything else: the response twisted.web renders for a ``GET`` (a 404 from
  ``NoResource``, a guard's 401, a page's 200) is the denial, as Twisted's own server
  would answer the upgrade request.

Denials go out as ``websocket.http.response.*``; on a server without that extension as
``websocket.close`` (a 403). A factory that raises ``ConnectionRejected`` denies with its
response's status and headers; one that returns ``None`` with the status set on the
request (403 if none); any other exception gets Twisted's 500 page, logged.
"""

from __future__ import annotations

import sys
from typing import Any, Awaitable

from twisted.python.failure import Failure
from twisted.web.http import parse_qs, unquote  # type: ignore[attr-defined]

from albany.gateway.cycle import READY
from albany.types import Message, Receive
from albany_twisted_web.channel import RequestChannel, Send
from albany_twisted_web.resource_app import ResourceApp, until_ended
from albany_twisted_web.websocket_transport import PING_EXTENSION, MessageTransport, drive

_DENIAL_EXTENSION = "websocket.http.response"
_SUBPROTOCOL = b"sec-websocket-protocol"
_HIDDEN = b"sec-websocket-extensions"
"""Compression is negotiated by Albany: the tree does not see the client's offer."""

_NOT_LOADED: Any = object()
_twisted_resource: Any = _NOT_LOADED


def twisted_websocket_resource() -> Any:
    """``twisted.web.websocket.WebSocketResource``, or ``None`` on a Twisted without it."""
    global _twisted_resource
    if _twisted_resource is _NOT_LOADED:
        try:
            from twisted.web.websocket import WebSocketResource
        except ImportError:  # an older Twisted
            _twisted_resource = None
        else:
            _twisted_resource = WebSocketResource
    return _twisted_resource


def _autobahn_resource() -> Any:
    """autobahn's resource class if the tree could hold one (it imported the module)."""
    module = sys.modules.get("autobahn.twisted.resource")
    return getattr(module, "WebSocketResource", None)


async def serve_websocket(app: ResourceApp, scope: Any, receive: Receive, send: Send) -> None:
    """One WebSocket session of a twisted.web tree: accept into a resource's protocol, or deny."""
    channel, request = _upgrade_request(app, scope, send)
    resource: Any = None
    failure: Failure | None = None
    try:
        resource = app.site.getResourceFor(request)
    except Exception:
        failure = Failure()  # type: ignore[no-untyped-call]
    else:
        autobahn_resource = _autobahn_resource()
        if autobahn_resource is not None and isinstance(resource, autobahn_resource):
            from albany_autobahn import serve_factory  # type: ignore[import-not-found, attr-defined]

            await serve_factory(resource._factory, scope, receive, send, request)
            return
    if (await receive())["type"] != "websocket.connect":
        return
    if failure is not None:
        request.processingFailed(failure)
    else:
        websocket_resource = twisted_websocket_resource()
        if websocket_resource is not None and isinstance(resource, websocket_resource):
            await _serve_protocol(resource.factory, request, scope, receive, send)
            return
        channel.holding = True
        try:
            request.render(resource)
        except Exception:
            request.processingFailed(Failure())  # type: ignore[no-untyped-call]
        finally:
            channel.stop_holding()
    if not channel.complete:
        await until_ended(channel, receive)


def _upgrade_request(app: ResourceApp, scope: Any, send: Send) -> tuple[RequestChannel, Any]:
    """The upgrade request as ``requestReceived`` leaves it for ``process``: ready to traverse.

    Its channel sends the request's HTTP response, if it makes one, as the denial.
    """
    with_response = _DENIAL_EXTENSION in (scope.get("extensions") or {})
    channel, request = app.new_request(scope, _denial_sender(send, with_response))
    headers = request.requestHeaders
    for name, value in scope["headers"]:
        if name != _HIDDEN:
            headers.addRawHeader(name, value)
    request.parseCookies()
    request.gotLength(0)
    path = scope["raw_path"]
    query = scope["query_string"]
    request.method, request.clientproto, request.path = b"GET", b"HTTP/1.1", path
    request.uri = path + b"?" + query if query else path
    request.args = parse_qs(query, 1) if query else {}  # type: ignore[no-untyped-call]
    request.site = app.site
    request.prepath = []
    request.postpath = list(map(unquote, path[1:].split(b"/")))
    return channel, request


async def _serve_protocol(
    factory: Any, request: Any, scope: Any, receive: Receive, send: Send
) -> None:
    """Build the protocol, accept with what the factory chose, and run it to the end."""
    from twisted.web.websocket import ConnectionRejected

    pings = PING_EXTENSION in (scope.get("extensions") or {})
    transport = MessageTransport(send, pings)
    try:
        protocol = factory.buildProtocol(request)
        if protocol is None:
            _deny(request, request.code if request.code != 200 else 403)
            return
        accept = _accept_message(request, scope["subprotocols"])
        if pings and hasattr(protocol, "pongReceived"):
            accept[PING_EXTENSION] = True
        protocol.negotiationStarted(transport)
    except ConnectionRejected as rejected:
        response = rejected.response
        _deny(request, response.code, response.headers)
        return
    except Exception:
        request.processingFailed(Failure())  # type: ignore[no-untyped-call]
        return
    try:
        transport.open(accept)
    except Exception:  # the server refused the accept (a header it cannot send)
        failure = Failure()  # type: ignore[no-untyped-call]
        transport.lost()
        request.processingFailed(failure)
        protocol.connectionLost(failure)
        return
    if not transport.gone:
        protocol.negotiationFinished()
    await drive(protocol, transport, receive)


def _accept_message(request: Any, offered: list[str]) -> Message:
    """``websocket.accept`` with the subprotocol, headers and cookies set on the request."""
    subprotocol = None
    headers: list[tuple[bytes, bytes]] = []
    for name, values in request.responseHeaders.getAllRawHeaders():
        if name.lower() == _SUBPROTOCOL:
            subprotocol = values[0].decode("ascii")
            if subprotocol not in offered:
                raise ValueError(f"subprotocol {subprotocol!r} was not offered by the client")
        else:
            headers.extend((name, value) for value in values)
    headers.extend((b"set-cookie", cookie) for cookie in request.cookies)
    return {"type": "websocket.accept", "subprotocol": subprotocol, "headers": headers}


def _deny(request: Any, code: int, headers: Any = None) -> None:
    """Refuse the session with an empty response: ``code`` and ``headers`` (a ``Headers``)."""
    request.setResponseCode(code)
    if headers is not None:
        for name, values in headers.getAllRawHeaders():
            request.responseHeaders.setRawHeaders(name, values)
    request.setHeader(b"content-length", b"0")
    request.finish()


def _denial_sender(send: Send, with_response: bool) -> Send:
    """``send`` for the request's channel: its HTTP response becomes the WebSocket denial.

    With the ``websocket.http.response`` extension the response goes out as it is; without
    it, the first message becomes ``websocket.close`` (the server answers 403).
    """
    if with_response:

        def respond(message: Message) -> Awaitable[None]:
            return send({**message, "type": "websocket." + message["type"]})

        return respond
    refused = False

    def refuse(message: Message) -> Awaitable[None]:
        nonlocal refused
        if refused:
            return READY
        refused = True
        return send({"type": "websocket.close"})

    return refuse

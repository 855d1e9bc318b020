"""A twisted.web resource tree served as a twisted-flavoured Albany app.

Per request: a real ``Request`` from the site's ``requestFactory``, on a
``RequestChannel``; the headers and body (in ``request.content``, spooled to a
temporary file past Twisted's threshold) fed in as ``HTTPChannel`` would; then
``requestReceived``, which parses ``args`` (form and multipart included) and runs the
site's traversal and rendering. A response finished while rendering (a resource that
returns bytes) ends the call at once; otherwise (``NOT_DONE_YET``) the call waits for
``http.disconnect``, which comes when the response is complete or the client has gone,
and in the latter case becomes ``request.connectionLost`` (``notifyFinish`` errbacks).
A ``websocket`` scope is traversed the same way and served by ``websocket.serve_websocket``.
"""

from __future__ import annotations

from typing import Any, Awaitable
from urllib.parse import unquote_to_bytes

from twisted.internet.defer import Deferred
from twisted.internet.error import ConnectionDone
from twisted.python.failure import Failure
from twisted.web import server
from twisted.web.http import parse_qs, unquote  # type: ignore[attr-defined]

from albany.types import Message, Receive, Send
from albany_twisted_web.channel import RequestChannel
from albany_twisted_web.site import Site
from albany_twisted_web.streaming import IStreamingBodyResource


def client_gone() -> Failure:
    """The reason ``notifyFinish`` errbacks with when the client went away."""
    return Failure(ConnectionDone(_CLIENT_GONE))  # type: ignore[no-untyped-call]


_VERSIONS = {"1.1": b"HTTP/1.1", "1.0": b"HTTP/1.0"}
_CLIENT_GONE = "Connection to the client was lost."
_DISCONNECTS = ("http.disconnect", "websocket.disconnect")


class ResourceApp:
    """``app(scope, receive, send)`` over a twisted.web ``Site``; flavour ``twisted``."""

    __albany_flavour__ = "twisted"

    def __init__(
        self, site: server.Site, stream_request_bodies: bool = False, start_site: bool = True
    ) -> None:
        self.site: Any = site
        self.stream_request_bodies = stream_request_bodies
        self._start_site = start_site
        self._mounts: dict[str, list[bytes]] = {}
        if stream_request_bodies and not isinstance(site, Site):
            raise TypeError("stream_request_bodies needs an albany_twisted_web.Site")

    def __call__(self, scope: Any, receive: Receive, send: Send) -> Awaitable[None]:
        kind = scope["type"]
        if kind == "http":
            return self.serve(scope, receive, send)
        if kind == "lifespan":
            return self.lifespan(receive, send)
        if kind == "websocket":
            from albany_twisted_web.websocket import serve_websocket

            return serve_websocket(self, scope, receive, send)
        raise ValueError(f"Unsupported scope type {kind!r}")

    async def lifespan(self, receive: Receive, send: Send) -> None:
        """Start a given site's factory (its access log) and stop it at the end.

        A site made here from a bare resource is not started: Albany's access log serves.
        """
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if self._start_site:
                    self.site.doStart()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._start_site:
                    self.site.doStop()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def serve(self, scope: Any, receive: Receive, send: Send) -> None:
        """One request: build it, read its body, render, wait for the end if it is deferred."""
        channel, request = self.new_request(scope, send)
        headers = request.requestHeaders
        length: int | None = 0
        for name, value in scope["headers"]:
            headers.addRawHeader(name, value)
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                length = None
        request.parseCookies()
        method = scope["method"].encode("ascii")
        query = scope["query_string"]
        uri = scope["raw_path"] + b"?" + query if query else scope["raw_path"]
        version = _VERSIONS.get(scope["http_version"], b"HTTP/1.1")
        streamer = None
        if self.stream_request_bodies and length != 0:
            streamer = self._streaming_resource(request, method, uri, version)
        request.gotLength(0 if streamer is not None else length)
        while True:
            message = await receive()
            if message["type"] != "http.request":
                request.connectionLost(client_gone())
                return  # the client went away before its request was whole
            body = message["body"]
            if body:
                if streamer is None:
                    request.handleContentChunk(body)
                else:
                    waiting = streamer.bodyReceived(request, body)
                    if isinstance(waiting, Deferred):
                        await waiting
            if not message["more_body"]:
                break
        channel.holding = True
        try:
            request.requestReceived(method, uri, version)
        finally:
            channel.stop_holding()
        if not channel.complete:
            await until_ended(channel, receive)

    def new_request(self, scope: Any, send: Send) -> tuple[RequestChannel, Any]:
        """A request of the site's ``requestFactory`` on a channel to ``send``; no headers yet."""
        channel = RequestChannel(self.site, scope, send)
        if scope["root_path"]:
            channel.mount = self._mount(scope["root_path"])
        request: Any = self.site.requestFactory(channel)
        channel.request = request
        return channel, request

    def _mount(self, root_path: str) -> list[bytes]:
        mount = self._mounts.get(root_path)
        if mount is None:
            raw = root_path.rstrip("/").encode("utf-8")
            mount = self._mounts[root_path] = [unquote_to_bytes(s) for s in raw.split(b"/")[1:]]
        return mount

    def _streaming_resource(
        self, request: Any, method: bytes, uri: bytes, version: bytes
    ) -> Any | None:
        """Traverse before the body is read; the resource if it streams request bodies."""
        path, _, query = uri.partition(b"?")
        if path == b"*":
            return None
        request.method, request.uri, request.clientproto, request.path = method, uri, version, path
        request.args = parse_qs(query, 1)  # type: ignore[no-untyped-call]
        request.site = self.site
        request.prepath = []
        request.postpath = list(map(unquote, path[1:].split(b"/")))
        try:
            resource = self.site.traverse_early(request)
        except Exception:  # noqa: BLE001 - traversal runs again in process(), which reports it
            request.channel.traversed = None
            return None
        return resource if IStreamingBodyResource.providedBy(resource) else None


async def until_ended(channel: RequestChannel, receive: Receive) -> None:
    """Wait until the response is complete, the client is gone, or the resource aborts."""
    ended: Deferred[None] = Deferred()

    def end(_: Any = None) -> None:
        if not ended.called:
            ended.callback(None)

    channel.on_abort = end
    watcher = Deferred.fromCoroutine(_watch_disconnect(channel, receive))
    watcher.addBoth(end)
    await ended


async def _watch_disconnect(channel: RequestChannel, receive: Receive) -> None:
    message: Message = await receive()
    while message["type"] not in _DISCONNECTS:
        message = await receive()
    if not channel.complete:
        channel.lost(client_gone())


def resource_app(resource: Any, stream_request_bodies: bool = False) -> ResourceApp:
    """A resource tree, a ``Site`` or a Klein app as a twisted-flavoured Albany app."""
    if isinstance(resource, server.Site):
        return ResourceApp(resource, stream_request_bodies)
    if type(resource).__name__ == "Klein" and hasattr(resource, "resource"):
        resource = resource.resource()
    return ResourceApp(Site(resource), stream_request_bodies, start_site=False)

"""The resource tree the twisted.web adapter tests serve, through Albany and through Twisted.

``root`` is plain twisted.web (no Albany import): the differential test serves it with
Twisted's own ``Site`` too. Nothing here imports the reactor at import time, so Albany
can install the asyncio reactor first. ``EVENTS`` records what happened, read back
through ``/events``.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from typing import Any

from twisted.internet.interfaces import IPullProducer, IPushProducer
from twisted.web import static, util
from twisted.web.resource import EncodingResourceWrapper, Resource
from twisted.web.server import NOT_DONE_YET, GzipEncoderFactory
from zope.interface import implementer

EVENTS: list[str] = []
CHUNK = b"x" * 65536


def static_dir() -> str:
    """A directory of files for ``static.File``, made once per user."""
    path = os.path.join(tempfile.gettempdir(), f"albany-twisted-web-{os.getuid()}")
    os.makedirs(os.path.join(path, "sub"), exist_ok=True)
    data = bytes(range(256)) * 400  # 102400 bytes
    target = os.path.join(path, "data.bin")
    if not os.path.exists(target) or os.path.getsize(target) != len(data):
        with open(target + ".tmp", "wb") as f:
            f.write(data)
        os.replace(target + ".tmp", target)
    hello = os.path.join(path, "hello.txt")
    if not os.path.exists(hello):  # left as it is: Last-Modified must not move between servers
        with open(hello + ".tmp", "w") as f:
            f.write("hello static\n")
        os.replace(hello + ".tmp", hello)
    return path


def reactor() -> Any:
    from twisted.internet import reactor

    return reactor


def as_json(request: Any, data: Any) -> bytes:
    request.setHeader(b"content-type", b"application/json")
    return json.dumps(data, sort_keys=True).encode()


def text(values: list[bytes]) -> list[str]:
    return [v.decode("latin-1") for v in values]


class Leaf(Resource):
    isLeaf = True


class Index(Leaf):
    def render_GET(self, request: Any) -> bytes:
        return b"root"


class Args(Leaf):
    """The parsed ``args``; large values are summarised (multipart uploads)."""

    def render(self, request: Any) -> bytes:
        args = {}
        for key, values in request.args.items():
            args[key.decode("latin-1")] = [
                v.decode("latin-1") if len(v) < 200 else f"{len(v)}:{hashlib.sha1(v).hexdigest()}"
                for v in values
            ]
        request.content.seek(0)
        return as_json(
            request,
            {
                "method": request.method.decode(),
                "args": args,
                "content_length": len(request.content.read()),
                "spooled": not hasattr(request.content, "getvalue"),
            },
        )


class Headers(Leaf):
    def render_GET(self, request: Any) -> bytes:
        request.setResponseCode(201)
        request.setHeader(b"x-echo", request.getHeader(b"x-test") or b"none")
        request.responseHeaders.addRawHeader(b"x-multi", b"one")
        request.responseHeaders.addRawHeader(b"x-multi", b"two")
        request.addCookie(b"flavour", b"twisted", path=b"/")
        seen = request.requestHeaders.getRawHeaders(b"x-test", [])
        return as_json(
            request, {"seen": text(seen), "cookie": text([request.getCookie(b"c") or b""])}
        )


class Redirect(Leaf):
    def render_GET(self, request: Any) -> bytes:
        return util.redirectTo(b"/args?from=redirect", request)


class Deferred(Leaf):
    def render_GET(self, request: Any) -> Any:
        def later() -> None:
            request.write(b"deferred ")
            request.write(b"body")
            request.finish()

        reactor().callLater(0.05, later)
        return NOT_DONE_YET


class Fail(Leaf):
    def render_GET(self, request: Any) -> bytes:
        raise ZeroDivisionError("resource failed")


class Where(Leaf):
    """What a resource knows about its place: URLs, addresses, the request's repr."""

    def render_GET(self, request: Any) -> bytes:
        return as_json(
            request,
            {
                "prepath": text(request.prepath),
                "postpath": text(request.postpath),
                "sitepath": text(request.sitepath),
                "prePathURL": request.prePathURL().decode(),
                "URLPath": str(request.URLPath()),
                "client": request.getClientAddress().host,
                "host_port": request.getHost().port,
                "secure": request.isSecure(),
                "repr": repr(request).split(" at ")[0] + " " + repr(request).split(" method=")[1],
            },
        )


class Session(Leaf):
    def render_GET(self, request: Any) -> bytes:
        session = request.getSession()
        session.hits = getattr(session, "hits", 0) + 1
        return as_json(request, {"hits": session.hits, "uid": len(session.uid)})


@implementer(IPushProducer)
class PushProducer:
    """Writes CHUNK until ``size`` bytes, whenever not paused; counts its pauses."""

    def __init__(self, request: Any, size: int, tag: str) -> None:
        self.request, self.remaining, self.tag = request, size, tag
        self.paused = False
        self.pauses = 0
        self.stopped = False

    def start(self) -> None:
        self.request.registerProducer(self, True)
        self.request.notifyFinish().addErrback(lambda f: EVENTS.append(f"push-lost {self.tag}"))
        reactor().callLater(0, self.produce)

    def produce(self) -> None:
        while not self.paused and not self.stopped and self.remaining > 0:
            piece = CHUNK[: min(len(CHUNK), self.remaining)]
            self.remaining -= len(piece)
            self.request.write(piece)
        if self.remaining == 0 and not self.stopped:
            self.stopped = True
            self.request.unregisterProducer()
            self.request.finish()
            EVENTS.append(f"push-done {self.tag} pauses={self.pauses}")

    def pauseProducing(self) -> None:
        self.paused = True
        self.pauses += 1

    def resumeProducing(self) -> None:
        self.paused = False
        reactor().callLater(0, self.produce)

    def stopProducing(self) -> None:
        self.stopped = True
        EVENTS.append(f"push-stopped {self.tag}")


@implementer(IPullProducer)
class PullProducer:
    def __init__(self, request: Any, size: int) -> None:
        self.request, self.remaining = request, size

    def resumeProducing(self) -> None:
        if self.remaining <= 0:
            self.request.unregisterProducer()
            self.request.finish()
            return
        piece = CHUNK[: min(len(CHUNK), self.remaining)]
        self.remaining -= len(piece)
        self.request.write(piece)

    def stopProducing(self) -> None:
        self.remaining = 0


class Produce(Leaf):
    """``?size=N&tag=T&kind=push|pull``: N bytes from a producer."""

    def render_GET(self, request: Any) -> Any:
        size = int(request.args.get(b"size", [b"1048576"])[0])
        tag = request.args.get(b"tag", [b""])[0].decode()
        request.setHeader(b"content-type", b"application/octet-stream")
        if request.args.get(b"kind", [b"push"])[0] == b"pull":
            request.registerProducer(PullProducer(request, size), False)
        else:
            PushProducer(request, size, tag).start()
        return NOT_DONE_YET


class WaitDisconnect(Leaf):
    """Writes a line, then waits for the client to go: notifyFinish's errback records it."""

    def render_GET(self, request: Any) -> Any:
        tag = request.args.get(b"tag", [b""])[0].decode()
        finished = request.notifyFinish()
        finished.addCallbacks(
            lambda _: EVENTS.append(f"finished {tag}"),
            lambda f: EVENTS.append(f"lost {tag} {f.type.__name__}"),
        )
        request.write(b"waiting\n")
        return NOT_DONE_YET


class HeadFirst(Leaf):
    """An event stream's start: only the head (``write(b"")``), now or a turn later; no body."""

    def render_GET(self, request: Any) -> Any:
        request.setHeader(b"content-type", b"text/event-stream")
        if request.args.get(b"later"):
            reactor().callLater(0, request.write, b"")
        else:
            request.write(b"")
        request.notifyFinish().addErrback(lambda _: None)  # the client ends it by going
        return NOT_DONE_YET


class Reason(Leaf):
    """``setResponseCode(299, message)``: the message is ``?say=``'s, "Mostly Fine" without."""

    def render_GET(self, request: Any) -> bytes:
        request.setResponseCode(299, request.args.get(b"say", [b"Mostly Fine"])[0])
        return b"reasoned"


class Events(Leaf):
    def render_GET(self, request: Any) -> bytes:
        return as_json(request, EVENTS)


class Text(Leaf):
    def render_GET(self, request: Any) -> bytes:
        request.setHeader(b"content-type", b"text/plain")
        return b"compress me " * 200


def build_root() -> Resource:
    root = Resource()
    root.putChild(b"", Index())
    root.putChild(b"args", Args())
    root.putChild(b"headers", Headers())
    root.putChild(b"redirect", Redirect())
    root.putChild(b"deferred", Deferred())
    root.putChild(b"fail", Fail())
    root.putChild(b"where", Where())
    root.putChild(b"session", Session())
    root.putChild(b"produce", Produce())
    root.putChild(b"wait-disconnect", WaitDisconnect())
    root.putChild(b"events", Events())
    root.putChild(b"head-first", HeadFirst())
    root.putChild(b"reason", Reason())
    root.putChild(b"gzip", EncodingResourceWrapper(Text(), [GzipEncoderFactory()]))
    root.putChild(b"static", static.File(static_dir()))
    nested = Resource()
    nested.putChild(b"where", Where())
    root.putChild(b"nested", nested)
    return root


root = build_root()


# -- an Albany app inside the tree, and a body read as it streams in -----------------------


async def asyncio_app(scope: Any, receive: Any, send: Any) -> None:
    """A plain ASGI (asyncio) app: echoes what it saw; ``?size=N`` streams N bytes."""
    import asyncio

    await asyncio.sleep(0.001)  # a real asyncio await: needs the asyncio reactor
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    query = dict(p.split("=", 1) for p in scope["query_string"].decode().split("&") if "=" in p)
    size = int(query.get("size", "0"))
    await send({"type": "http.response.start", "status": 200, "headers": [(b"x-app", b"asgi")]})
    if size:
        sent = 0
        while sent < size:
            piece = CHUNK[: min(len(CHUNK), size - sent)]
            sent += len(piece)
            await send({"type": "http.response.body", "body": piece, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
        return
    data = {
        "root_path": scope["root_path"],
        "path": scope["path"],
        "query": scope["query_string"].decode(),
        "body": len(body),
        "sha1": hashlib.sha1(body).hexdigest(),
        "flavour": scope["extensions"]["albany"]["flavour"],
    }
    await send({"type": "http.response.body", "body": json.dumps(data, sort_keys=True).encode()})


def build_mixed() -> Resource:
    """``root`` plus an asyncio ASGI app at ``/asgi`` and a streaming-body leaf at ``/upload``."""
    from albany_twisted_web import AppResource, IStreamingBodyResource

    @implementer(IStreamingBodyResource)
    class StreamingUpload(Leaf):
        """Records each body piece as it arrives; answers with the count and size."""

        def bodyReceived(self, request: Any, data: bytes) -> None:
            pieces = getattr(request, "pieces", [])
            pieces.append(len(data))
            request.pieces = pieces
            EVENTS.append(f"piece {len(data)}")

        def render(self, request: Any) -> bytes:
            pieces = getattr(request, "pieces", [])
            return as_json(request, {"pieces": len(pieces), "size": sum(pieces)})

    mixed = build_root()
    mixed.putChild(b"asgi", AppResource(asyncio_app))
    mixed.putChild(b"upload", StreamingUpload())
    return mixed


def build_streaming() -> Any:
    from albany_twisted_web import resource_app

    return resource_app(build_mixed(), stream_request_bodies=True)


mixed = build_mixed()
streaming = build_streaming()

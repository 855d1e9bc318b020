"""Tornado ``WebSocketHandler``s the WebSocket tests serve through Albany, beside HTTP routes.

- ``app``: the application (``websocket_max_message_size`` 4096) through ``tornado_app``;
- ``keepalive_app``: the same with ``websocket_ping_interval``/``_timeout`` set;
- ``bare_app`` and ``bare_keepalive_app``: the same two behind an ASGI layer that hides
  Albany's ``websocket.http.response`` and ``albany.websocket.ping`` extensions, as a
  server without them would.

Handlers record what they saw in ``EVENTS`` (``GET /events``), so tests can see it from
outside, and the sockets report to the client with messages.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tornado.web import Application, HTTPError, RequestHandler
from tornado.websocket import WebSocketClosedError, WebSocketError, WebSocketHandler

from albany.types import Receive, Send
from albany_tornado import tornado_app

EVENTS: list[str] = []
GATES: dict[str, asyncio.Event] = {}
MAX_MESSAGE_SIZE = 4096


class Hello(RequestHandler):
    def get(self) -> None:
        self.write("hello over http")


class Events(RequestHandler):
    def get(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.write(json.dumps(EVENTS))


class Gate(RequestHandler):
    """``GET /gate/TAG`` opens the gate ``Gated`` waits at."""

    def get(self, name: str) -> None:
        GATES.setdefault(name, asyncio.Event()).set()


class Echo(WebSocketHandler):
    """Each message back as it came: text as text, bytes as a binary message."""

    def on_message(self, message: str | bytes) -> None:
        self.write_message(message, binary=isinstance(message, bytes))


class CompressedEcho(Echo):
    """``Echo`` that allows permessage-deflate (``get_compression_options`` is not None)."""

    def get_compression_options(self) -> dict[str, Any]:
        return {}


class JsonEcho(WebSocketHandler):
    """A JSON text message back as ``{"got": …, "subprotocol": …}``, sent as a dict."""

    def on_message(self, message: str | bytes) -> None:
        self.write_message({"got": json.loads(message), "subprotocol": self.selected_subprotocol})


class Info(WebSocketHandler):
    """What the handler saw of the upgrade request, sent once open (a coroutine ``open``)."""

    def prepare(self) -> None:
        self.set_cookie("visited", "yes")
        self.set_header("X-Handshake", "prepared")

    def get_current_user(self) -> str | None:
        return self.get_cookie("user")

    def select_subprotocol(self, subprotocols: list[str]) -> str | None:
        self.offered = subprotocols
        return "chat" if "chat" in subprotocols else None

    async def open(self, *args: str) -> None:
        await asyncio.sleep(0)
        request = self.request
        self.write_message(
            {
                "args": list(args),
                "query": self.get_query_argument("q", None),
                "user": self.current_user,
                "x_test": request.headers.get("X-Test"),
                "offered": self.offered,
                "subprotocol": self.selected_subprotocol,
                "protocol": request.protocol,
                "remote_ip": request.remote_ip,
                "full_url": request.full_url(),
                "status": self.get_status(),
            }
        )

    def on_message(self, message: str | bytes) -> None:
        pass


class Guarded(WebSocketHandler):
    """Only ``http://allowed.example`` may open it from a browser."""

    def check_origin(self, origin: str) -> bool:
        return origin == "http://allowed.example"

    def on_message(self, message: str | bytes) -> None:
        self.write_message("guarded " + str(message))


class Refused(WebSocketHandler):
    """``prepare`` refuses with ``/ws/refuse/CODE`` (``fail``: an exception, so 500)."""

    def prepare(self) -> None:
        how = self.path_args[0]
        if how == "fail":
            raise RuntimeError("prepare failed")
        raise HTTPError(int(how))

    def on_message(self, message: str | bytes) -> None:
        pass


class Commands(WebSocketHandler):
    """``/ws/commands/TAG``: text commands; ``on_close`` records ``closed TAG CODE REASON``.

    ``close CODE REASON`` closes; ``close-then-write`` closes, then writes (and records
    the ``WebSocketClosedError``); ``ping DATA`` pings (``on_pong`` answers
    ``pong DATA``); a client ping is answered ``ping DATA`` from ``on_ping``; ``nodelay``
    calls ``set_nodelay``; anything else comes back.
    """

    def open(self, tag: str) -> None:
        self.tag = tag
        EVENTS.append(f"open {tag}")

    def on_message(self, message: str | bytes) -> None:
        assert isinstance(message, str)
        command, _, rest = message.partition(" ")
        if command == "close":
            code, _, reason = rest.partition(" ")
            self.close(int(code), reason)
        elif command == "close-then-write":
            self.close(4000, "closing")
            try:
                self.write_message("too late")
            except WebSocketClosedError:
                EVENTS.append(f"closed error {self.tag}")
        elif command == "ping":
            try:
                self.ping(rest.encode())
            except WebSocketError as error:
                self.write_message(f"no ping: {error}")
        elif command == "nodelay":
            self.set_nodelay(True)
            self.write_message("nodelay done")
        else:
            self.write_message(message)

    def on_pong(self, data: bytes) -> None:
        self.write_message("pong " + data.decode())

    def on_ping(self, data: bytes) -> None:
        self.write_message("ping " + data.decode())

    def on_close(self) -> None:
        EVENTS.append(f"closed {self.tag} {self.close_code} {self.close_reason}")


class Sequenced(WebSocketHandler):
    """A coroutine ``on_message`` that awaits its writes: ``N`` → ``N`` back, then ``N!``."""

    async def on_message(self, message: str | bytes) -> None:
        await asyncio.sleep(0)
        await self.write_message(message)
        await self.write_message(f"{message!s}!")


class Gated(WebSocketHandler):
    """``/ws/gated/TAG``: ``on_message`` records each message, then waits for the gate;
    ``on_close`` records ``gated TAG closed``."""

    def open(self, name: str) -> None:
        self.name = name
        GATES.setdefault(name, asyncio.Event())

    async def on_message(self, message: str | bytes) -> None:
        EVENTS.append(f"gated {self.name} {message!s}")
        await GATES[self.name].wait()
        try:
            self.write_message(message)
        except WebSocketClosedError:
            pass

    def on_close(self) -> None:
        EVENTS.append(f"gated {self.name} closed")


class SlowPrepare(WebSocketHandler):
    """``/ws/slow-prepare/TAG``: ``prepare`` waits for the gate before the handshake is answered."""

    async def prepare(self) -> None:
        self.name = self.path_args[0]
        EVENTS.append(f"preparing {self.name}")
        await GATES.setdefault(self.name, asyncio.Event()).wait()

    def on_message(self, message: str | bytes) -> None:
        pass

    def on_close(self) -> None:
        EVENTS.append(f"closed {self.name} {self.close_code} {self.close_reason}")


class Heartbeat(WebSocketHandler):
    """Counts the pongs of ``websocket_ping_interval``'s pings and says so."""

    def open(self) -> None:
        self.pongs = 0

    def on_pong(self, data: bytes) -> None:
        self.pongs += 1
        if self.pongs == 2:
            self.write_message("two pongs")

    def on_message(self, message: str | bytes) -> None:
        self.write_message(message)

    def on_close(self) -> None:
        EVENTS.append(f"heartbeat closed {self.close_code} {self.close_reason}")


class Cancelled(WebSocketHandler):
    """``/ws/cancelled/TAG/(sync|async)``: ``on_message`` raises ``CancelledError``.

    ``log_exception`` records ``logged TAG NAME``; ``on_close`` records ``closed TAG CODE``.
    """

    def open(self, name: str, how: str) -> None:
        self.name, self.how = name, how

    def on_message(self, message: str | bytes) -> Any:
        if self.how == "sync":
            raise asyncio.CancelledError()
        return self._cancelled()

    async def _cancelled(self) -> None:
        await asyncio.sleep(0)
        raise asyncio.CancelledError()

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        EVENTS.append(f"logged {self.name} {typ.__name__}")

    def on_close(self) -> None:
        EVENTS.append(f"closed {self.name} {self.close_code}")


class Burst(WebSocketHandler):
    """Counts a burst of messages; at the first, schedules a loop callback noting the count.

    The message ``end`` answers ``tick after M of N``: the callback ran after ``M`` of the
    ``N`` messages before ``end`` (``M`` is ``N`` if the burst never let the loop run).
    """

    def open(self) -> None:
        self.count = 0
        self.tick: int | None = None

    def on_message(self, message: str | bytes) -> None:
        if message == "end":
            self.write_message(f"tick after {self.tick} of {self.count}")
            return
        if self.count == 0:
            asyncio.get_running_loop().call_soon(self._ticked)
        self.count += 1

    def _ticked(self) -> None:
        self.tick = self.count


ROUTES: list[Any] = [
    (r"/", Hello),
    (r"/events", Events),
    (r"/gate/(\w+)", Gate),
    (r"/ws/echo", Echo),
    (r"/ws/compressed", CompressedEcho),
    (r"/ws/json", JsonEcho),
    (r"/ws/info/(\w+)/(\d+)", Info),
    (r"/ws/guarded", Guarded),
    (r"/ws/refuse/(\w+)", Refused),
    (r"/ws/commands/(\w+)", Commands),
    (r"/ws/sequenced", Sequenced),
    (r"/ws/gated/(\w+)", Gated),
    (r"/ws/slow-prepare/(\w+)", SlowPrepare),
    (r"/ws/heartbeat", Heartbeat),
    (r"/ws/cancelled/(\w+)/(sync|async)", Cancelled),
    (r"/ws/burst", Burst),
]


def make_application(**settings: Any) -> Application:
    return Application(
        ROUTES,
        websocket_max_message_size=MAX_MESSAGE_SIZE,
        cookie_secret="albany-tornado-ws-tests",
        **settings,
    )


def without_extensions(inner: Any) -> Any:
    """``inner`` as served by a server without Albany's WebSocket extensions."""

    async def bare(scope: Any, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            extensions = dict(scope["extensions"])
            extensions.pop("websocket.http.response", None)
            extensions.pop("albany.websocket.ping", None)
            scope = dict(scope, extensions=extensions)
        await inner(scope, receive, send)

    return bare


application = make_application()
app = tornado_app(application)
keepalive_app = tornado_app(
    make_application(websocket_ping_interval=0.2, websocket_ping_timeout=0.2)
)
bare_app = without_extensions(app)
bare_keepalive_app = without_extensions(keepalive_app)

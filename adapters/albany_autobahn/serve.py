"""One WebSocket session of an autobahn server factory, from the ASGI messages.

Albany's core has parsed the handshake and frames the messages; autobahn's engine never
runs. Per connection: a protocol from the factory, its handshake attributes from the
scope (``request.py``), its sending methods (``channel.py``); then ``onConnect`` decides
between ``websocket.accept`` and a denial, ``onOpen``, one ``onMessage`` per
``websocket.receive``, ``onPing``/``onPong`` through the ``albany.websocket.ping``
extension, and ``onClose`` from ``websocket.disconnect``.

As under autobahn, a callback that returns a coroutine or a Deferred is run as a future
of the loop and not waited for (only ``onConnect``'s result is awaited); an exception
raised by a callback is logged and the connection closed (1011).
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from inspect import isawaitable
from typing import Any, Awaitable

from autobahn.websocket.protocol import WebSocketProtocol
from autobahn.websocket.types import ConnectionAccept, ConnectionDeny

from albany.neutral import Helpers
from albany.types import Message, Receive, Send
from albany_autobahn.autoping import AutoPing
from albany_autobahn.channel import CLOSED, OPEN, PING, PONG, Channel
from albany_autobahn.flavours import factory_flavour, loop_helpers, resolve_once
from albany_autobahn.options import Refusal, copy_options, refusal
from albany_autobahn.request import addresses, build_protocol, describe

logger = logging.getLogger("albany.error")

_UNCLEAN = 'connection was closed uncleanly ("{}")'
_PEER_DROPPED = "peer dropped the TCP connection without previous WebSocket closing handshake"
_NO_STATUS = 1005
_ABNORMAL = 1006
_INTERNAL_ERROR = 1011
_STREAMING_CALLBACKS = (
    "onMessageBegin",
    "onMessageFrameBegin",
    "onMessageFrameData",
    "onMessageFrameEnd",
    "onMessageFrame",
    "onMessageEnd",
)


async def serve_factory(
    factory: Any, scope: Any, receive: Receive, send: Send, request: Any = None
) -> None:
    """Serve one ``websocket`` scope with an autobahn ``WebSocketServerFactory``.

    ``request``: the twisted.web ``Request`` of the upgrade, when a resource tree's
    ``WebSocketResource`` is served; the protocol's addresses come from it.
    """
    if scope["type"] != "websocket":
        raise ValueError(f"serve_factory serves websocket scopes, not {scope['type']!r}")
    flavour = factory_flavour(factory)
    helpers = loop_helpers(scope)
    if (await receive())["type"] != "websocket.connect":
        return
    peer, host = addresses(scope, flavour, request)
    proto = build_protocol(factory, flavour, peer)
    if proto is None:
        await _deny(scope, send, 500, "Internal Server Error")
        return
    copy_options(proto)
    connection_request = describe(proto, scope)
    control = "albany.websocket.ping" in scope.get("extensions", {})
    channel = Channel(proto, send, helpers, control)
    channel.install(peer, host)
    factory.countConnections += 1
    try:
        session = _Session(channel, helpers, scope, receive, send)
        if await session.open(connection_request):
            await session.dispatch()
    finally:
        factory.countConnections -= 1


class _Session:
    """The callbacks of one protocol instance, called from what ``receive()`` returns."""

    def __init__(
        self, channel: Channel, helpers: Helpers, scope: Any, receive: Receive, send: Send
    ) -> None:
        self.proto: Any = channel.proto
        self.channel = channel
        self.helpers = helpers
        self.scope = scope
        self.receive = receive
        self.send = send
        self.autoping = AutoPing(channel, helpers)
        self.failed = False
        self.streaming = _overrides(self.proto, *_STREAMING_CALLBACKS)
        self.writer: Any = None
        self._running: dict[object, Any] = {}  # what callbacks returned, until it is done

    async def open(self, connection_request: Any) -> bool:
        """``onConnect``, then accept (``onOpen``) or deny (``onClose``); whether it is open."""
        proto = self.proto
        denial: Refusal | None = refusal(proto)
        result: Any = None
        if denial is None:
            try:
                result = proto.onConnect(connection_request)
                if isawaitable(result):
                    result = await result
            except ConnectionDeny as deny:
                denial = deny.code, deny.reason
            except Exception as error:  # noqa: BLE001 - autobahn answers 500 and logs
                logger.error("Exception in onConnect", exc_info=error)
                denial = 500, "Internal Server Error"
        if denial is None and proto.state == CLOSED:  # dropConnection() in onConnect
            denial = 403, "Forbidden"
        accept: Message | None = None
        if denial is None:
            try:
                accept = self._accept_message(result)
            except ValueError as error:
                logger.error("onConnect answered what cannot be accepted", exc_info=error)
                denial = 500, "Internal Server Error"
        if denial is not None:
            code, reason = denial
            await _deny(self.scope, self.send, code, reason)
            self._closed(False, _ABNORMAL, _UNCLEAN.format(reason))
            return False
        assert accept is not None
        try:
            await self.send(accept)
        except OSError:  # the client went away while onConnect ran
            self._closed(False, _ABNORMAL, _UNCLEAN.format(_PEER_DROPPED))
            return False
        proto.websocket_protocol_in_use = accept["subprotocol"]
        proto.state = OPEN
        self.writer = self.helpers.ensure_future(self.channel.run())
        self.autoping.start()
        self._call("onOpen")
        resolve_once(proto.is_open, None)
        return True

    def _accept_message(self, result: Any) -> Message:
        """``websocket.accept`` from what ``onConnect`` returned and the factory's headers."""
        subprotocol: str | None
        extra: dict[str, Any] = {}
        if isinstance(result, ConnectionAccept):
            subprotocol, extra = result.subprotocol, result.headers or {}
        elif isinstance(result, tuple):
            subprotocol = result[0] if result else None
            extra = result[1] if len(result) > 1 else {}
        else:
            subprotocol = result
        offered = self.scope.get("subprotocols", ())
        if subprotocol is not None and subprotocol not in offered:
            raise ValueError(
                f"subprotocol {subprotocol!r} is not one the client offered ({offered})"
            )
        headers: list[tuple[bytes, bytes]] = []
        for source in (self.proto.factory.headers, extra):
            for name, value in source.items():
                values = [value] if isinstance(value, str) else value
                field = name.lower().encode("utf-8")
                headers.extend((field, str(v).encode("utf-8")) for v in values)
        accept: Message = {
            "type": "websocket.accept",
            "subprotocol": subprotocol,
            "headers": headers,
        }
        if self.channel.control and (
            self.autoping.wanted or _overrides(self.proto, "onPing", "onPong")
        ):
            accept["albany.websocket.ping"] = True
        return accept

    async def dispatch(self) -> None:
        """Each message to its callback until ``websocket.disconnect``; then ``onClose``."""
        proto = self.proto
        try:
            while True:
                message = await self.receive()
                kind = message["type"]
                if kind == "websocket.receive":
                    self._message(message)
                elif kind == PING:
                    self._ping(message["bytes"])
                elif kind == PONG:
                    self.autoping.pong(message["bytes"])
                    if proto.state != CLOSED and not self.failed:
                        self._call("onPong", message["bytes"])
                elif kind == "websocket.disconnect":
                    break
        finally:
            self.channel.stop()
            self.autoping.stop()
        code: int | None = message["code"]
        reason: str | None = message.get("reason") or None
        if code == _ABNORMAL:
            self._closed(
                False, _ABNORMAL, _UNCLEAN.format(proto.wasNotCleanReason or _PEER_DROPPED)
            )
        else:
            self._closed(True, None if code == _NO_STATUS else code, reason)

    def _message(self, message: Message) -> None:
        proto = self.proto
        if proto.state == CLOSED or self.failed:
            return  # autobahn reads nothing once it has dropped the connection
        self.autoping.traffic()
        payload = message.get("bytes")
        binary = payload is not None
        if payload is None:
            payload = message["text"].encode("utf-8")
        limit = proto.maxMessagePayloadSize
        if 0 < limit < len(payload):
            self.channel.fail_connection(
                1009,
                f"received WebSocket message size {len(payload)} exceeds payload limit "
                f"of {limit} octets",
            )
            self.failed = True
            return
        if self.streaming:
            # One message, one frame: Albany has joined the fragments already.
            for name, args in (
                ("onMessageBegin", (binary,)),
                ("onMessageFrameBegin", (len(payload),)),
                ("onMessageFrameData", (payload,)),
                ("onMessageFrameEnd", ()),
                ("onMessageEnd", ()),
            ):
                if not self._call(name, *args):
                    return
        elif self._call("onMessage", payload, binary) and _listens(proto, "message"):
            self._invoke("'message' handlers", proto.fire, "message", payload, is_binary=binary)

    def _ping(self, payload: bytes) -> None:
        if self.proto.state == CLOSED or self.failed:
            return
        self.channel.answered_ping = payload
        try:
            self._call("onPing", payload)
        finally:
            self.channel.answered_ping = None

    def _call(self, name: str, *args: Any) -> bool:
        """Call a callback of the protocol; False if it raised."""
        return self._invoke(name, getattr(self.proto, name), *args)

    def _invoke(self, name: str, function: Any, *args: Any, **kwargs: Any) -> bool:
        """Call ``function``; if it raises, log and close with 1011 (autobahn drops the
        connection); what it returns, if awaitable, runs as a future of the loop."""
        try:
            result = function(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - reported as autobahn does
            logger.error("Exception in %s", name, exc_info=error)
            if not self.failed:
                self.failed = True
                self.channel.fail_connection(_INTERNAL_ERROR, "")
            return False
        if result is not None and isawaitable(result):
            token = object()
            self._running[token] = None
            future = self.helpers.ensure_future(self._logged(name, result, token))
            if token in self._running:  # still running: keep it referenced
                self._running[token] = future
        return True

    async def _logged(self, name: str, awaitable: Awaitable[Any], token: object) -> None:
        try:
            await awaitable
        except Exception as error:  # noqa: BLE001 - nobody else awaits it
            logger.error("Exception in %s", name, exc_info=error)
        finally:
            self._running.pop(token, None)

    def _closed(self, clean: bool, code: int | None, reason: str | None) -> None:
        proto = self.proto
        proto.wasClean = clean
        proto.remoteCloseCode = code
        proto.remoteCloseReason = reason
        proto.state = CLOSED
        resolve_once(proto.is_closed, proto)
        self._call("onClose", clean, code, reason)


async def _deny(scope: Any, send: Send, status: int, reason: str | None) -> None:
    """Refuse the upgrade: an HTTP response where the server can send one, else a close."""
    if "websocket.http.response" not in scope.get("extensions", {}):
        await send({"type": "websocket.close", "code": 1008, "reason": ""})
        return
    if not reason:
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = ""
    await send(
        {
            "type": "websocket.http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain; charset=utf-8")],
        }
    )
    await send({"type": "websocket.http.response.body", "body": reason.encode("utf-8")})


def _overrides(proto: Any, *names: str) -> bool:
    """Whether the protocol's class replaces any of these callbacks of autobahn's."""
    cls = type(proto)
    return any(getattr(cls, name) is not getattr(WebSocketProtocol, name) for name in names)


def _listens(proto: Any, event: str) -> bool:
    listeners = getattr(proto, "_listeners", None)
    return bool(listeners and listeners.get(event))

"""What the test protocols do, shared by the Twisted and the asyncio factories.

Mixed into ``autobahn.twisted`` and ``autobahn.asyncio`` protocol classes by
``twisted_factories`` and ``asyncio_factories`` (one process can import only one of the
two). Every callback is recorded in ``EVENTS``, tagged with the request path; a client
reads them back over a second connection by sending ``events``.
"""

from __future__ import annotations

import json
from typing import Any, Awaitable, Callable

from autobahn.websocket.types import ConnectionDeny

EVENTS: list[list[Any]] = []


class Recording:
    """The protocol's callbacks; ``later`` and ``flavour`` come from the flavour's module."""

    flavour: str
    later: Callable[[Any], Awaitable[Any]]
    """An awaitable of the factory's loop (Deferred or coroutine) giving its value a bit later."""

    # set by autobahn's engine, or by albany_autobahn instead
    factory: Any
    transport: Any
    state: int
    autoPingInterval: float
    peer: str
    is_closed: Any
    http_request_path: str
    sendMessage: Any
    sendClose: Any
    sendPing: Any
    sendPong: Any
    dropConnection: Any
    beginMessage: Any
    sendPreparedMessage: Any

    def record(self, *event: Any) -> None:
        EVENTS.append([event[0], self.http_request_path, *event[1:]])

    def onConnect(self, request: Any) -> Any:
        self.record("connect", request.peer, request.host, request.params, request.protocols)
        if "deny" in request.params:
            raise ConnectionDeny(int(request.params["deny"][0]), "go away")
        answer: Any = None
        if "chat" in request.protocols:
            answer = ("chat", {"x-autobahn": "yes", "x-multi": ["a", "b"]})
        if "slow" in request.params:
            return self.later(answer)
        return answer

    def onOpen(self) -> None:
        self.record("open", self.state)
        if self.http_request_path.endswith("/greet"):
            self.sendMessage(b"hello from onOpen")

    def onMessage(self, payload: bytes, isBinary: bool) -> Any:
        if isBinary:
            self.sendMessage(payload, isBinary=True)
            return None
        command, _, argument = payload.decode("utf-8").partition(":")
        if command == "close":
            code, _, reason = argument.partition(":")
            self.sendClose(int(code), reason)
        elif command == "ping":
            self.sendPing(argument.encode())
        elif command == "pong":
            self.sendPong(argument.encode())
        elif command == "drop":
            self.dropConnection()
        elif command == "raise":
            raise RuntimeError("failing in onMessage, on purpose")
        elif command == "events":
            self.sendMessage(json.dumps(EVENTS).encode())
        elif command == "info":
            self.sendMessage(json.dumps(self.info()).encode())
        elif command == "frame":
            try:
                self.beginMessage()
            except NotImplementedError as error:
                self.sendMessage(f"NotImplementedError: {error}".encode())
        elif command == "prepared":
            self.sendPreparedMessage(self.factory.prepareMessage(b"prepared"))
        elif command == "unprepared":
            try:
                self.sendPreparedMessage(self.factory.prepareMessage(b"x", doNotCompress=True))
            except NotImplementedError:
                self.sendMessage(b"NotImplementedError")
        elif command == "async":
            return self.answer_later(argument)  # a coroutine: run by the adapter
        else:
            self.sendMessage(payload)
        return None

    async def answer_later(self, text: str) -> None:
        await self.later(None)
        self.sendMessage(f"later: {text}".encode())

    def info(self) -> dict[str, Any]:
        proto: Any = self
        return {
            "flavour": self.flavour,
            "peer": proto.peer,
            "path": proto.http_request_path,
            "params": proto.http_request_params,
            "host": proto.http_request_host,
            "uri": proto.http_request_uri,
            "headers": sorted(proto.http_headers),
            "subprotocol": proto.websocket_protocol_in_use,
            "version": proto.websocket_version,
            "state": proto.state,
            "is_closed": type(proto.is_closed).__name__,
            "connections": proto.factory.getConnectionCount(),
            "transport_peer": str(proto.transport.getPeer()),
            "secure": proto.transport_details.is_secure,
        }

    def onPing(self, payload: bytes) -> None:
        self.record("ping", payload.decode())
        super().onPing(payload)  # type: ignore[misc] # autobahn's pongs: Albany already did

    def onPong(self, payload: bytes) -> None:
        self.record("pong", payload.hex())
        if self.state == 3 and not self.autoPingInterval:  # open, and not an auto-ping's
            self.sendMessage(b"pong:" + payload, isBinary=True)

    def onAutoPong(self, ping_sent: int, ping_seq: int, *rest: Any) -> None:
        self.record("autopong", ping_seq)

    def onClose(self, wasClean: bool, code: int | None, reason: str | None) -> None:
        self.record("close", wasClean, code, reason)


class Streaming:
    """A protocol on autobahn's streaming receive API: begin, frame data, end."""

    sendMessage: Any

    def onMessageBegin(self, isBinary: bool) -> None:
        super().onMessageBegin(isBinary)  # type: ignore[misc]
        self.parts = ["begin"]

    def onMessageFrameData(self, payload: bytes) -> None:
        super().onMessageFrameData(payload)  # type: ignore[misc]
        self.parts.append(f"data {len(payload)}")

    def onMessage(self, payload: bytes, isBinary: bool) -> None:
        self.parts.append("message")
        self.sendMessage(" ".join(self.parts).encode() + b": " + payload, isBinary)

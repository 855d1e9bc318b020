"""aiohttp's ``web.WebSocketResponse`` on the ASGI ``websocket`` scope: its API, Albany's frames.

aiohttp never frames or parses a byte here. ``AsgiWebSocket`` stands for one session:

- handshake: what aiohttp's payload writer sends goes through ``send_http``; its
  ``101`` head becomes ``websocket.accept`` (subprotocol and the response's other
  header fields), any other response a denial (``websocket.http.response.*``, or
  ``websocket.close`` — a 403 — where the server lacks that extension);
- outgoing: it replaces the response's ``WebSocketWriter``; ``send_frame`` and
  ``close`` become ``websocket.send``, ``websocket.close`` and the
  ``albany.websocket.ping`` extension's ping and pong;
- incoming: each message ``receive`` returns is put straight into the
  ``WebSocketDataQueue`` the response reads, as the ``WSMessage`` aiohttp's parser
  would have made.

States: connecting → open (accepted) → closing (our close sent) → closed (the
peer's close, or the connection's end, seen); connecting → denied. Invariants:

1. Messages reach the queue in the order ``receive`` returned them, each once;
   those received before the queue exists wait for it.
2. Nothing but a close is sent once the session is no longer open; a failed
   ``send`` raises ``ClientConnectionResetError``, as aiohttp's writer does.
3. A peer's close frame reaches the response as aiohttp's ``CLOSE`` message (the
   server has answered it); a connection lost without one (1006) as the
   connection's end (``connection_lost``), as under aiohttp's server.
4. A session still open when aiohttp gives up on it (it closes its transport, or the
   handler fails) is closed with 1011.
5. Ping and pong frames exist only with the ``albany.websocket.ping`` extension;
   without it, heartbeats are off and ``ping()``/``pong()`` raise.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Iterable, Literal, Mapping

from aiohttp.client_exceptions import ClientConnectionResetError
from aiohttp.http import WebSocketError, WSCloseCode, WSMessage, WSMessageTextBytes, WSMsgType
from aiohttp.web_ws import WebSocketResponse

from albany.types import Message, Send
from albany.websocket.handshake import HANDSHAKE_FIELDS
from albany_aiohttp._aiohttp_private import (
    MessageQueue,
    WebSocketOptions,
    replace_websocket_writer,
    stop_heartbeat,
    websocket_options,
    websocket_queue,
)

if TYPE_CHECKING:
    from albany_aiohttp.websocket_transport import WebSocketTransport

logger = logging.getLogger("albany.error")

PING_EXTENSION = "albany.websocket.ping"
"""The scope extension (and message type) for ping frames; ``albany.websocket.pong`` for pongs."""
PONG_MESSAGE = "albany.websocket.pong"

SessionState = Literal["connecting", "open", "closing", "closed", "denied"]

_NO_STATUS = 1005
_ABNORMAL = 1006


class _Ready:
    """An awaitable already complete: what a ``send`` that sends nothing returns."""

    __slots__ = ()

    def __await__(self) -> Any:
        return iter(())


_READY: Awaitable[None] = _Ready()


def handshake_scope(scope: Mapping[str, Any]) -> dict[str, Any]:
    """``scope`` as the upgrade request aiohttp checks: ``GET``, without extension offers.

    The server negotiates compression itself, so aiohttp must not see the offers
    (it would answer with its own ``permessage-deflate``).
    """
    headers = [
        (name, value)
        for name, value in scope["headers"]
        if name.lower() != b"sec-websocket-extensions"
    ]
    return {**scope, "method": "GET", "headers": headers}


class AsgiWebSocket:
    """One session: aiohttp's ``WebSocketResponse`` on ASGI ``send`` and a ``WebSocketTransport``.

    It is also the response's frame writer (``send_frame``, ``close``, ``transport``).
    """

    def __init__(self, scope: Mapping[str, Any], send: Send, transport: WebSocketTransport) -> None:
        extensions = scope.get("extensions") or {}
        self._send = send
        self.transport = transport
        self._can_respond = "websocket.http.response" in extensions
        self._can_ping = PING_EXTENSION in extensions
        self.state: SessionState = "connecting"
        self._response: WebSocketResponse | None = None
        self._options = WebSocketOptions(True, None, 0, True)
        self._queue: MessageQueue | None = None
        self._early: list[Message] = []
        self._data_received: Callable[[], None] | None = None
        self._failed = False
        self._closer: asyncio.Task[None] | None = None

    # aiohttp's side of the handshake (``WebSocketHooks``)

    def preparing(self, response: WebSocketResponse) -> None:
        """``response`` is being prepared: its 101 head comes next."""
        self._response = response
        self._options = websocket_options(response)

    def parser_set(self, data_received: Callable[[], None] | None) -> None:
        """The response's queue exists: write its frames, feed it what has come."""
        response = self._response
        if response is None:
            raise RuntimeError("a WebSocket parser was set for no WebSocketResponse")
        replace_websocket_writer(response, self)
        self._queue = websocket_queue(response)
        if self._options.heartbeat is not None and not self._can_ping:
            stop_heartbeat(response)
            data_received = None
            _warn_heartbeat_off()
        self._data_received = data_received
        early, self._early = self._early, []
        for message in early:
            self.received(message)

    # what aiohttp's payload writer sends

    def send_http(self, message: Message) -> Awaitable[None]:
        """Take an ``http.response.*`` message: the 101 accepts, another response denies.

        It returns what ``send`` returns without awaiting it, so a server that writes a
        message when ``send`` is called (Albany) still does.
        """
        if message["type"] == "http.response.start":
            if self.state != "connecting":
                raise ClientConnectionResetError(
                    "the WebSocket session has begun: no HTTP response can follow"
                )
            if message["status"] == 101 and self._response is not None:
                return self._accept(message["headers"])
            return self._deny(message)
        if self.state == "denied" and self._can_respond:
            return self._send(
                {
                    "type": "websocket.http.response.body",
                    "body": message.get("body", b""),
                    "more_body": message.get("more_body", False),
                }
            )
        return _READY  # the 101's empty body pieces; the body of a 403 the server writes

    def _accept(self, headers: Iterable[tuple[bytes, bytes]]) -> Awaitable[None]:
        subprotocol = None
        kept = []
        for name, value in headers:
            lowered = name.lower()
            if lowered == b"sec-websocket-protocol":
                subprotocol = value.decode("latin-1")
            elif lowered not in HANDSHAKE_FIELDS:
                kept.append((name, value))
        accept: dict[str, Any] = {
            "type": "websocket.accept",
            "subprotocol": subprotocol,
            "headers": kept,
        }
        options = self._options
        if self._can_ping and (not options.autoping or options.heartbeat is not None):
            accept[PING_EXTENSION] = True  # pongs reach the heartbeat, pings the handler
        self.state = "open"
        return self._send(accept)

    def _deny(self, start: Message) -> Awaitable[None]:
        self.state = "denied"
        if self._can_respond:
            return self._send(
                {
                    "type": "websocket.http.response.start",
                    "status": start["status"],
                    "headers": start["headers"],
                }
            )
        return self._send({"type": "websocket.close", "code": 1000})

    # aiohttp's WebSocketWriter

    async def send_frame(
        self, message: bytes | bytearray | memoryview, opcode: int, compress: int | None = None
    ) -> None:
        """One whole message, or a ping or pong, as an ASGI message.

        ``compress`` is ignored: the server compresses every message of a session that
        negotiated ``permessage-deflate``.
        """
        if opcode == WSMsgType.CLOSE:
            code, reason = _close_payload(bytes(message))
            await self.close(code, reason)
            return
        if opcode == WSMsgType.TEXT:
            out: Message = {"type": "websocket.send", "text": bytes(message).decode("utf-8")}
        elif opcode == WSMsgType.BINARY:
            out = {"type": "websocket.send", "bytes": bytes(message)}
        elif opcode == WSMsgType.PING or opcode == WSMsgType.PONG:
            out = self._control(opcode, bytes(message))
        else:
            raise ValueError(f"opcode {opcode}: the server frames messages, send them whole")
        if self.state != "open":
            raise ClientConnectionResetError("Cannot write to closing transport")
        await self._deliver(out)

    async def close(self, code: int = 1000, message: bytes | str = b"") -> None:
        """Send ``websocket.close`` (aiohttp then waits for the peer's close message)."""
        reason = message.decode("utf-8") if isinstance(message, bytes) else message
        state = self.state
        if state == "closed" and self.transport.client_gone:
            raise ClientConnectionResetError("Cannot write to closing transport")
        if state != "open":
            return  # closing already, or the peer closed first and the server answered
        self.state = "closing"
        try:
            await self._deliver({"type": "websocket.close", "code": code, "reason": reason})
        except ClientConnectionResetError:
            self.state = "closed"
            raise
        except Exception:
            if self.state == "closing":
                self.state = "open"  # refused (a code that may not be sent): nothing went out
            raise

    def _control(self, opcode: int, payload: bytes) -> Message:
        name = "ping" if opcode == WSMsgType.PING else "pong"
        if not self._can_ping:
            raise NotImplementedError(
                f"a {name} frame needs the ASGI server's {PING_EXTENSION!r} extension, "
                "which this server does not offer"
            )
        return {"type": PING_EXTENSION if name == "ping" else PONG_MESSAGE, "bytes": payload}

    async def _deliver(self, message: Message) -> None:
        try:
            await self._send(message)
        except OSError as error:
            raise ClientConnectionResetError("Cannot write to closing transport") from error

    # what ``receive`` returns, from the transport

    def received(self, message: Message) -> None:
        """Hand one ASGI message to the response (invariants 1 and 3)."""
        kind = message["type"]
        queue = self._queue
        if queue is None:
            if kind == "websocket.disconnect" and self.state != "open":
                self._ended(message)
            else:
                self._early.append(message)  # between the accept and the queue
            return
        if kind == "websocket.receive":
            self._data(queue, message)
        elif kind == "websocket.disconnect":
            self._ended(message)
        elif kind == PING_EXTENSION or kind == PONG_MESSAGE:
            if not self._options.autoping:  # else aiohttp would take it silently
                payload = message.get("bytes") or b""
                kind_of = WSMsgType.PING if kind == PING_EXTENSION else WSMsgType.PONG
                queue.feed_data(WSMessage(kind_of, payload, ""), len(payload))
            self._saw_data()

    def _data(self, queue: MessageQueue, message: Message) -> None:
        if self._failed:
            return  # aiohttp's parser stops at an error too
        text = message.get("text")
        limit = self._options.max_msg_size
        received: WSMessage | WSMessageTextBytes
        if text is not None:
            size = len(text)
            if not self._options.decode_text:
                data = text.encode("utf-8")
                size = len(data)
                received = WSMessageTextBytes(WSMsgType.TEXT, data, "")
            else:
                if limit and size * 4 >= limit:
                    size = len(text.encode("utf-8"))
                received = WSMessage(WSMsgType.TEXT, text, "")
        else:
            payload = message.get("bytes") or b""
            size = len(payload)
            received = WSMessage(WSMsgType.BINARY, payload, "")
        if limit and size >= limit:
            self._failed = True
            queue.set_exception(
                WebSocketError(
                    WSCloseCode.MESSAGE_TOO_BIG, f"Message size {size} exceeds limit {limit}"
                )
            )
            return
        queue.feed_data(received, size)
        self._saw_data()

    def _saw_data(self) -> None:
        if self._data_received is not None:
            self._data_received()

    def _ended(self, message: Message) -> None:
        code = message.get("code", _NO_STATUS)
        state = self.state
        if state == "denied" and code != _ABNORMAL:
            return  # the denial is complete
        self.state = "closed"
        queue = self._queue
        if code == _ABNORMAL or state == "connecting" or queue is None:
            self.transport.lost()
            return
        if self._failed:
            return  # aiohttp's parser reads nothing after an error, a close frame neither
        # aiohttp's parser reports a close frame without a code as code 0
        code = 0 if code == _NO_STATUS else code
        queue.feed_data(WSMessage(WSMsgType.CLOSE, code, message.get("reason") or ""), 0)

    # aiohttp is done with it

    def transport_closed(self) -> None:
        """aiohttp closed its transport: a session it leaves open is closed (invariant 4)."""
        if self.state == "open" and self._closer is None:
            self._closer = asyncio.ensure_future(self._close_failed())

    async def finish(self) -> None:
        """The handler is over: a session still open is closed with 1011 (invariant 4)."""
        if self._closer is not None:
            await self._closer
        else:
            await self._close_failed()

    async def _close_failed(self) -> None:
        if self.state != "open":
            return
        self.state = "closing"
        try:
            await self._send({"type": "websocket.close", "code": int(WSCloseCode.INTERNAL_ERROR)})
        except OSError:
            self.state = "closed"


def _close_payload(payload: bytes) -> tuple[int, bytes]:
    if len(payload) < 2:
        return 1000, b""
    return int.from_bytes(payload[:2], "big"), payload[2:]


_heartbeat_warned = False


def _warn_heartbeat_off() -> None:
    global _heartbeat_warned
    if not _heartbeat_warned:
        _heartbeat_warned = True
        logger.warning(
            "WebSocketResponse(heartbeat=...) is off: the ASGI server has no %r extension to "
            "send pings with (its own keepalive, if any, still runs)",
            PING_EXTENSION,
        )

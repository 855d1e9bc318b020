"""``AlbanyWebSocketProtocol``: Tornado's ``WebSocketProtocol`` over ASGI messages.

It stands in for ``WebSocketProtocol13`` in a ``WebSocketHandler`` served through
Albany. Albany parses and writes the frames (and negotiates compression, only when
the handler's ``get_compression_options()`` is not None, as Tornado does); this class
only maps Tornado's calls and callbacks onto ASGI ``websocket`` messages:

===================================== ==========================================
Tornado                               ASGI
===================================== ==========================================
``select_subprotocol``, ``finish()``  ``websocket.accept`` (``subprotocol``,
                                      the handler's headers)
``write_message(str | dict)``         ``websocket.send`` with ``text``
``write_message(bytes, binary=True)`` ``websocket.send`` with ``bytes``
``close(code, reason)``               ``websocket.close``
``ping(data)``                        ``albany.websocket.ping``
``on_message`` (awaited, in order)    ``websocket.receive``
``on_ping`` / ``on_pong``             ``albany.websocket.ping`` / ``.pong``
``close_code``, ``close_reason``,     ``websocket.disconnect``
``on_close``
===================================== ==========================================

Pings need the ``albany.websocket.ping`` extension; without it ``ping()`` raises and
``websocket_ping_interval`` is not applied (with a warning), so a heartbeat never
closes a healthy connection for want of a pong it cannot see.
"""

from __future__ import annotations

import asyncio
import sys
from inspect import isawaitable
from typing import TYPE_CHECKING, Any, Awaitable, Callable, NoReturn

from tornado import gen, httputil
from tornado.escape import json_encode, utf8
from tornado.log import gen_log
from tornado.websocket import (
    WebSocketClosedError,
    WebSocketError,
    WebSocketHandler,
    WebSocketProtocol,
)

from albany.types import Message
from albany_tornado.sending import Future

if TYPE_CHECKING:
    from albany_tornado.websocket_connection import WebSocketConnection

_NO_CODE = (1005, 1006)
"""Albany's codes for "no close frame code" and "no close frame": Tornado says ``None``."""

_CONTROL_PAYLOAD_LIMIT = 125
_TOO_BIG_REASON = "message too big"  # Tornado's close reason for websocket_max_message_size

# What Tornado's ``_detach_stream`` disables once the connection is a WebSocket.
_HTTP_ONLY_METHODS = (
    "write",
    "redirect",
    "set_header",
    "set_cookie",
    "set_status",
    "flush",
    "finish",
)


class AlbanyWebSocketProtocol(WebSocketProtocol):
    """One accepted (or accepting) WebSocket of a ``WebSocketHandler``, over ASGI."""

    handler: WebSocketHandler

    def __init__(self, handler: WebSocketHandler, connection: WebSocketConnection) -> None:
        super().__init__(handler)
        self.connection = connection
        self.opened: Future[None] = asyncio.get_running_loop().create_future()
        """Resolves when ``open()`` has returned (or failed): messages wait for it."""
        self.close_code: int | None = None
        self.close_reason: str | None = None
        self._selected_subprotocol: str | None = None
        self._max_message_size = handler.max_message_size
        self._pinging: asyncio.Task[None] | None = None
        self._received_pong = False
        self._running: set[asyncio.Future[None]] = set()
        """Coroutine ``on_ping`` calls, which nothing awaits: kept until done."""

    @property
    def selected_subprotocol(self) -> str | None:
        """What ``select_subprotocol`` returned."""
        return self._selected_subprotocol

    def session_options(self) -> dict[str, Any]:
        """Tornado's per-handler rules for Albany to apply while reading frames:
        permessage-deflate only if ``get_compression_options()`` is not None, and
        ``websocket_max_message_size`` checked as a message inflates."""
        return {
            "per_message_deflate": self.handler.get_compression_options() is not None,
            "max_message_size": self._max_message_size,
            "too_big_reason": _TOO_BIG_REASON,
        }

    # -- the handshake, from WebSocketHandler.get

    async def accept_connection(self, handler: WebSocketHandler) -> None:
        """Select the subprotocol, accept (``finish()`` with 101), then run ``open``."""
        if not handler.request.headers.get("Host"):
            handler.set_status(400)
            handler.finish("Missing/Invalid WebSocket headers")
            gen_log.debug("Missing/Invalid WebSocket headers")
            return
        offered = list(self.connection.subprotocols)
        selected = handler.select_subprotocol(offered)
        self._selected_subprotocol = selected
        if selected:
            assert selected in offered
            handler.set_header("Sec-WebSocket-Protocol", selected)
        handler.clear_header("Content-Type")
        handler.set_status(101)
        try:
            handler.finish()  # the connection turns the 101 into websocket.accept
            for name in _HTTP_ONLY_METHODS:
                setattr(handler, name, _not_for_websockets)
            self.start_pinging()
            opening = handler.open(*handler.open_args, **handler.open_kwargs)
            if opening is not None:
                await opening
        except Exception:
            if not self.connection.accepted:
                raise  # RequestHandler._execute answers it, as for any handler
            handler.log_exception(*sys.exc_info())
            self._abort()
        finally:
            if not self.opened.done():
                self.opened.set_result(None)

    # -- what the handler calls

    def write_message(
        self, message: str | bytes | dict[str, Any], binary: bool = False
    ) -> Future[None]:
        """``websocket.send``; the future resolves once Albany has taken the frame."""
        if isinstance(message, dict):
            message = json_encode(message)
        if binary:
            event: Message = {"type": "websocket.send", "bytes": utf8(message)}
        else:
            text = message if isinstance(message, str) else message.decode("utf-8")
            event = {"type": "websocket.send", "text": text}
        return self.connection.submit(event)

    def write_ping(self, data: bytes) -> None:
        """A ping frame, through the ``albany.websocket.ping`` extension."""
        if not self.connection.can_ping:
            raise WebSocketError(
                "ping() needs the albany.websocket.ping ASGI extension, "
                "which this server does not offer"
            )
        if len(data) > _CONTROL_PAYLOAD_LIMIT:
            raise ValueError(f"A ping payload is at most 125 bytes, not {len(data)}")
        self.connection.submit({"type": "albany.websocket.ping", "bytes": data})

    def close(self, code: int | None = None, reason: str | None = None) -> None:
        """``websocket.close`` (1000 when no code is given); ``on_close`` runs when the
        client has answered."""
        if not self.server_terminated:
            if not self.client_terminated and self.connection.accepted:
                message = {"type": "websocket.close", "code": code or 1000, "reason": reason or ""}
                try:
                    self.connection.submit(message)
                except WebSocketClosedError:
                    pass
            self.server_terminated = True
        self._stop_pinging()

    def is_closing(self) -> bool:
        """Either side has begun closing, or the client has gone."""
        return self.client_terminated or self.server_terminated or self.connection.gone

    def set_nodelay(self, x: bool) -> None:
        """Albany owns the socket: a no-op (asyncio and uvloop set ``TCP_NODELAY`` anyway)."""

    def start_pinging(self) -> None:
        """``websocket_ping_interval``/``_timeout`` as Tornado applies them (6.5 and later)."""
        interval = self.handler.ping_interval or 0.0
        if interval <= 0 or self._pinging is not None:
            return
        if not self.connection.can_ping:
            _warn_no_pings()
            return
        timeout = self.handler.ping_timeout
        if timeout is None or timeout > interval:
            timeout = interval
        self._pinging = asyncio.ensure_future(self._keepalive(interval, timeout))

    def _abort(self) -> None:
        """Tornado drops the TCP connection here; over ASGI the nearest is a close with 1011."""
        if not self.server_terminated and not self.client_terminated:
            self.close(1011, "")
        self.client_terminated = self.server_terminated = True
        self._stop_pinging()

    # -- what the session (``albany_tornado.websocket``) calls, in the order messages come

    def message_received(self, message: Message) -> Awaitable[None] | None:
        """``on_message`` for a ``websocket.receive``; await what it returns before the next."""
        if self.client_terminated:
            return None
        text = message.get("text")
        payload: str | bytes = text if text is not None else message.get("bytes") or b""
        if _too_big(payload, self._max_message_size):
            self.close(1009, _TOO_BIG_REASON)
            self._abort()
            return None
        return self._call(self.handler.on_message, payload)

    def ping_received(self, payload: bytes) -> None:
        """``on_ping``: Albany has already answered the ping."""
        if self.client_terminated:
            return
        result = self._call(self.handler.on_ping, payload)
        if result is not None:
            running = asyncio.ensure_future(result)
            self._running.add(running)
            running.add_done_callback(self._running.discard)

    def pong_received(self, payload: bytes) -> Awaitable[None] | None:
        """``on_pong``; awaited like ``on_message``."""
        self._received_pong = True
        if self.client_terminated:
            return None
        return self._call(self.handler.on_pong, payload)

    def disconnected(self, code: int, reason: str | None) -> None:
        """``websocket.disconnect``: set ``close_code``/``close_reason``, run ``on_close``."""
        self.client_terminated = True
        self._stop_pinging()
        self.close_code = None if code in _NO_CODE else code
        self.close_reason = reason or None
        try:
            self.handler.on_ws_connection_close(self.close_code, self.close_reason)
        except Exception:
            self.handler.log_exception(*sys.exc_info())

    # -- client-side entry points of the abstract class

    def _process_server_headers(self, key: str | bytes, headers: httputil.HTTPHeaders) -> None:
        raise NotImplementedError("Albany serves WebSocket; it is not a client")

    async def _receive_frame_loop(self) -> None:
        raise NotImplementedError("Albany reads the frames; messages come from ASGI receive()")

    # -- helpers

    def _call(self, callback: Callable[..., Any], *args: Any) -> Awaitable[None] | None:
        """Run a handler callback; an error is logged and aborts, as in Tornado."""
        try:
            result = callback(*args)
        except (Exception, asyncio.CancelledError):  # the handler's own cancellation too
            self.handler.log_exception(*sys.exc_info())
            self._abort()
            return None
        if result is None:
            return None
        return self._settle(result)

    async def _settle(self, result: Any) -> None:
        """Await the handler's coroutine; its failure (or its own cancellation) is logged.

        It runs as a future of its own, so that the session being cancelled (shutdown)
        still cancels the session, and only the handler's cancellation is the handler's.
        """
        running = asyncio.ensure_future(
            result if isawaitable(result) else gen.convert_yielded(result)
        )
        await asyncio.wait((running,))
        try:
            running.result()
        except (Exception, asyncio.CancelledError):
            self.handler.log_exception(*sys.exc_info())
            self._abort()

    async def _keepalive(self, interval: float, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        await asyncio.sleep(interval)
        while not self.is_closing():
            self._received_pong = False
            sent_at = loop.time()
            try:
                self.write_ping(b"")
            except WebSocketClosedError:
                return
            await asyncio.sleep(timeout)
            if timeout > 0 and not self._received_pong:
                self.close(reason="ping timed out")
                return
            await asyncio.sleep(max(0.0, sent_at + interval - loop.time()))

    def _stop_pinging(self) -> None:
        task, self._pinging = self._pinging, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()


def _too_big(payload: str | bytes, limit: int) -> bool:
    """Whether ``payload`` is over ``limit`` bytes (text counted as UTF-8, as on the wire)."""
    size = len(payload)
    if size > limit:
        return True
    if isinstance(payload, bytes) or size * 4 <= limit:
        return False
    return len(payload.encode("utf-8")) > limit


def _not_for_websockets(*args: Any, **kwargs: Any) -> NoReturn:
    raise RuntimeError("Method not supported for Web Sockets")


_warned_no_pings = False


def _warn_no_pings() -> None:
    global _warned_no_pings
    if not _warned_no_pings:
        _warned_no_pings = True
        gen_log.warning(
            "websocket_ping_interval is not applied: this ASGI server does not offer the "
            "albany.websocket.ping extension (its own keepalive, if any, still runs)"
        )

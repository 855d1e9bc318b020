"""Every use of aiohttp's private API in this package, and only here.

aiohttp has no public seam between "a connection delivered a parsed request" and
"the application handles it": its server is ``RequestHandler`` (an asyncio protocol
fed raw bytes). To keep aiohttp's own behaviour — HTTPException responses, the 500
page, ``finish_response``, the ``handler_cancellation`` rule on disconnect — this
package drives a real ``RequestHandler`` without its parser. What that needs:

- ``Application._set_loop`` and ``on_startup.freeze()``: what ``AppRunner`` does before
  ``startup()`` (the app itself is frozen only after it);
- ``Application._make_handler``: freezes the app, binds its loop and builds the
  ``web.Server`` (``AppRunner`` does the same); ``Server._kwargs``/``_loop`` build
  the per-request ``RequestHandler``; ``read_bufsize`` and ``auto_decompress`` among
  those kwargs (``handler_args``) are what aiohttp's parser would apply to the body;
- ``RequestHandler._handle_request``: runs the handler and answers exactly as
  aiohttp's own connection loop does; ``_task_handler`` is the task
  ``connection_lost`` cancels when ``handler_cancellation`` is on;
- ``pause_reading``/``resume_reading`` overridden: the base class would pause the
  byte parser, which we do not feed; here only the transport pauses;
- ``compression_utils.ZLibCompressor`` and ``DeflateBuffer``: what aiohttp's
  ``StreamWriter`` and parser use for response compression and request decompression;
- ``helpers.rfc822_formatted_time``: the ``Date`` value aiohttp gives a response whose
  handler set none (told apart from one the handler set).

For ``web.WebSocketResponse`` (see ``websocket.py``), whose frames are the ASGI
server's:

- ``Application._make_request(..., _cls=)``: builds the request as a ``WatchedRequest``,
  whose ``_prepare_hook`` (called by ``StreamResponse._start`` with the response being
  prepared, after ``WebSocketResponse._pre_start`` and before the head is written)
  names the ``WebSocketResponse`` to the protocol;
- ``RequestHandler.set_parser``: ``WebSocketResponse._post_start`` calls it once its
  ``_writer`` (a ``WebSocketWriter``) and ``_reader`` (the ``WebSocketDataQueue`` its
  ``receive()`` reads) exist; the override lets the session replace ``_writer`` and
  feed ``_reader``. The ``WebSocketReader`` it gets is never fed a byte;
- ``WebSocketDataQueue.feed_data(message, size)`` and ``set_exception(error)``
  (``aiohttp._websocket.reader``): what aiohttp's parser calls with each message and
  with a protocol error; the session calls them instead (``MessageQueue``);
- the response's ``_autoping``, ``_heartbeat``, ``_max_msg_size``, ``_decode_text``
  (constructor settings) and ``_cancel_heartbeat()``.

Checked against aiohttp 3.9 to 3.14 (WebSocket: 3.14.4 and later); a test fails
loudly if a name disappears.
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, NamedTuple, Protocol

from aiohttp import web
from aiohttp.abc import AbstractStreamWriter
from aiohttp.compression_utils import ZLibCompressor
from aiohttp.helpers import rfc822_formatted_time
from aiohttp.http_parser import DeflateBuffer, RawRequestMessage
from aiohttp.http_websocket import WebSocketReader, WSMessage, WSMessageTextBytes
from aiohttp.streams import StreamReader
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse
from aiohttp.web_ws import WebSocketResponse

__all__ = [
    "AsgiRequestHandler",
    "DeflateBuffer",
    "MessageQueue",
    "WebSocketHooks",
    "WebSocketOptions",
    "ZLibCompressor",
    "aiohttp_date",
    "handle_request",
    "BodySettings",
    "body_settings",
    "make_server",
    "prepare_for_startup",
    "make_watched_request",
    "replace_websocket_writer",
    "stop_heartbeat",
    "websocket_options",
    "websocket_queue",
]

HandlerFunction = Callable[[BaseRequest], Awaitable[StreamResponse]]


def aiohttp_date() -> str:
    """The ``Date`` value aiohttp puts on a response now, when its handler gave none."""
    return rfc822_formatted_time()


def make_server(
    application: web.Application, loop: asyncio.AbstractEventLoop, **settings: Any
) -> web.Server:
    """The app's ``web.Server`` on ``loop``: the app is frozen and bound to the loop."""
    server: web.Server = application._make_handler(loop=loop, **settings)
    return server


def prepare_for_startup(application: web.Application, loop: asyncio.AbstractEventLoop) -> None:
    """Bind ``application`` to ``loop`` and freeze ``on_startup`` only, as ``AppRunner`` does."""
    application._set_loop(loop)
    application.on_startup.freeze()


class BodySettings(NamedTuple):
    """How aiohttp's parser would feed a request body (``handler_args``/``AppRunner`` kwargs)."""

    read_bufsize: int
    auto_decompress: bool


def body_settings(server: web.Server) -> BodySettings:
    """The body settings ``server`` gives each ``RequestHandler`` (aiohttp's defaults if unset)."""
    settings = server._kwargs
    return BodySettings(
        int(settings.get("read_bufsize", 2**16)), bool(settings.get("auto_decompress", True))
    )


class AsgiRequestHandler(RequestHandler):
    """aiohttp's connection protocol for one request, fed by an ASGI transport.

    Its byte parser stays idle: ``pause_reading``/``resume_reading`` go straight to
    the transport, which stops or resumes calling ``receive``.
    """

    def __init__(self, server: web.Server, transport: asyncio.Transport) -> None:
        super().__init__(server, loop=server._loop, **server._kwargs)
        self.transport = transport
        self.websocket: WebSocketHooks | None = None

    def pause_reading(self) -> None:
        self._reading_paused = True
        self._pause_transport_reading()

    def resume_reading(self, resume_parser: bool = True) -> None:
        self._reading_paused = False
        if not self._buffer_paused:
            self._resume_transport_reading()

    def data_received(self, data: bytes) -> None:
        raise RuntimeError("an ASGI request handler is fed by its transport, not with bytes")

    def reusable(self) -> bool:
        """Whether the last request left it as new: its connection was not lost."""
        return self._manager is not None and not self._force_close and not self._close

    def reuse(self, transport: asyncio.Transport) -> None:
        """Serve the next request (a pooled handler saves building aiohttp's parser)."""
        self.transport = transport
        self._cache.clear()  # peername and sockname are cached per transport
        self._reading_paused = self._buffer_paused = self._paused = False
        self._drain_waiter = self._handler_waiter = None
        self._request_in_progress = False

    def adopt_task(self, task: asyncio.Task[Any] | None) -> None:
        """The task that ``connection_lost`` cancels under ``handler_cancellation``."""
        self._task_handler = task

    def set_parser(
        self, parser: WebSocketReader, data_received_cb: Callable[[], None] | None = None
    ) -> None:
        """A ``WebSocketResponse`` is prepared: its queue and writer exist now."""
        super().set_parser(parser, data_received_cb)
        if self.websocket is not None:
            self.websocket.parser_set(data_received_cb)


async def handle_request(
    protocol: RequestHandler, request: BaseRequest, handler: HandlerFunction
) -> bool:
    """Run ``handler`` and send its response as aiohttp does; True if the client went away."""
    _, reset = await protocol._handle_request(request, None, handler)
    return reset


# -- WebSocket ---------------------------------------------------------------------------


class WebSocketHooks(Protocol):
    """What a WebSocket session learns from aiohttp while a ``WebSocketResponse`` prepares."""

    def preparing(self, response: WebSocketResponse) -> None:
        """``response`` is being prepared: handshake checked, head not yet written."""

    def parser_set(self, data_received: Callable[[], None] | None) -> None:
        """The response's queue and writer exist; ``data_received`` resets its heartbeat."""


class WatchedRequest(web.Request):
    """A ``web.Request`` that names each ``WebSocketResponse`` prepared for it to its protocol."""

    async def _prepare_hook(self, response: StreamResponse) -> None:
        await super()._prepare_hook(response)
        protocol = self.protocol
        if isinstance(response, WebSocketResponse) and isinstance(protocol, AsgiRequestHandler):
            if protocol.websocket is not None:
                protocol.websocket.preparing(response)


def make_watched_request(
    server: web.Server,
    message: RawRequestMessage,
    payload: StreamReader,
    protocol: AsgiRequestHandler,
    writer: AbstractStreamWriter,
    task: asyncio.Task[Any] | None,
) -> BaseRequest:
    """The app's request for an upgrade, made as a ``WatchedRequest``."""
    request: BaseRequest = server.request_factory(  # type: ignore[call-arg]
        message,
        payload,
        protocol,
        writer,
        task,  # type: ignore[arg-type]
        _cls=WatchedRequest,
    )
    return request


class WebSocketOptions(NamedTuple):
    """The ``WebSocketResponse`` settings that decide how messages reach it."""

    autoping: bool
    heartbeat: float | None
    max_msg_size: int
    decode_text: bool


def websocket_options(response: WebSocketResponse) -> WebSocketOptions:
    """``response``'s constructor settings."""
    return WebSocketOptions(
        bool(response._autoping),
        response._heartbeat,
        int(response._max_msg_size),
        bool(response._decode_text),
    )


class MessageQueue(Protocol):
    """What the session uses of aiohttp's ``WebSocketDataQueue``: its parser's side."""

    def feed_data(self, data: WSMessage | WSMessageTextBytes, size: int) -> None:
        """Queue one message for ``receive()`` (``size``: its payload, for flow control)."""

    def set_exception(self, exc: BaseException) -> None:
        """Fail ``receive()`` with ``exc`` once the queued messages are read."""


def websocket_queue(response: WebSocketResponse) -> MessageQueue:
    """The ``WebSocketDataQueue`` that ``response.receive()`` reads (once prepared)."""
    queue = response._reader
    if queue is None:
        raise RuntimeError("the WebSocketResponse has no reader yet")
    return queue  # type: ignore[return-value]


def replace_websocket_writer(response: WebSocketResponse, writer: Any) -> None:
    """Make ``writer`` (``send_frame``, ``close``, ``transport``) the response's frame writer."""
    response._writer = writer


def stop_heartbeat(response: WebSocketResponse) -> None:
    """Cancel the response's heartbeat timers, and keep them off."""
    response._cancel_heartbeat()
    response._heartbeat = None

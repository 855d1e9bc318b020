"""Every use of aiohttp's private API in this package, and only here.

aiohttp has no public seam between "a connection delivered a parsed request" and
"the application handles it": its server is ``RequestHandler`` (an asyncio protocol
fed raw bytes). To keep aiohttp's own behaviour — HTTPException responses, the 500
page, ``finish_response``, the ``handler_cancellation`` rule on disconnect — this
package drives a real ``RequestHandler`` without its parser. What that needs:

- ``Application._make_handler``: freezes the app, binds its loop and builds the
  ``web.Server`` (``AppRunner`` does the same); ``Server._kwargs``/``_loop`` build
  the per-request ``RequestHandler``;
- ``RequestHandler._handle_request``: runs the handler and answers exactly as
  aiohttp's own connection loop does; ``_task_handler`` is the task
  ``connection_lost`` cancels when ``handler_cancellation`` is on;
- ``pause_reading``/``resume_reading`` overridden: the base class would pause the
  byte parser, which we do not feed; here only the transport pauses;
- ``compression_utils.ZLibCompressor`` and ``DeflateBuffer``: what aiohttp's
  ``StreamWriter`` and parser use for response compression and request decompression.

Checked against aiohttp 3.9 to 3.14; a test fails loudly if a name disappears.
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable

from aiohttp import web
from aiohttp.compression_utils import ZLibCompressor
from aiohttp.http_parser import DeflateBuffer
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse

__all__ = [
    "AsgiRequestHandler",
    "DeflateBuffer",
    "ZLibCompressor",
    "handle_request",
    "make_server",
]

HandlerFunction = Callable[[BaseRequest], Awaitable[StreamResponse]]


def make_server(
    application: web.Application, loop: asyncio.AbstractEventLoop, **settings: Any
) -> web.Server:
    """The app's ``web.Server`` on ``loop``: the app is frozen and bound to the loop."""
    server: web.Server = application._make_handler(loop=loop, **settings)
    return server


class AsgiRequestHandler(RequestHandler):
    """aiohttp's connection protocol for one request, fed by an ASGI transport.

    Its byte parser stays idle: ``pause_reading``/``resume_reading`` go straight to
    the transport, which stops or resumes calling ``receive``.
    """

    def __init__(self, server: web.Server, transport: asyncio.Transport) -> None:
        super().__init__(server, loop=server._loop, **server._kwargs)
        self.transport = transport

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


async def handle_request(
    protocol: RequestHandler, request: BaseRequest, handler: HandlerFunction
) -> bool:
    """Run ``handler`` and send its response as aiohttp does; True if the client went away."""
    _, reset = await protocol._handle_request(request, None, handler)
    return reset

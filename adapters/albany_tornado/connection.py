"""``AlbanyConnection``: Tornado's ``HTTPConnection`` for one request, written through ASGI.

A handler's ``flush()`` and ``finish()`` call ``write_headers``, ``write`` and ``finish``
here; each becomes an ``http.response.*`` message. The futures returned resolve when
Albany has taken the message, which waits while the transport is over its high-water
mark: ``await self.flush()`` in a handler is back-pressure. Once the client has gone
they fail with ``StreamClosedError``, as Tornado's own connection's do.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable

from tornado import httputil, iostream

from albany.types import Send
from albany_tornado.context import RequestContext
from albany_tornado.sending import Future, OrderedSender, SendFailed, failed

# Fields Albany writes itself (docs/spec.md 4.3): Tornado's defaults would repeat them.
_SERVER_DEFAULT = "TornadoServer/"


class AlbanyConnection(httputil.HTTPConnection):
    """One request/response exchange of a Tornado delegate, over ``send``."""

    stream: Any = None
    """Tornado's connection has an ``IOStream`` here; Albany gives none (no ``detach``)."""

    def __init__(
        self,
        send: Send,
        loop: asyncio.AbstractEventLoop,
        context: RequestContext,
        max_body_size: int,
        no_keep_alive: bool,
        body_timeout: float | None = None,
    ) -> None:
        self.context = context
        self.max_body_size = max_body_size
        self.body_timeout = body_timeout
        """Seconds the body may take from the end of ``headers_received``; None: no limit."""
        self._loop = loop
        self._sender = OrderedSender(send, loop)
        self._no_keep_alive = no_keep_alive
        self._close_callback: Callable[[], None] | None = None
        self._declared: int | None = None
        self._written = 0
        self._raw_head = b""
        self.broken: Future[BaseException] = loop.create_future()
        """Resolves with the error when the response cannot be completed as written
        (a body that does not match its ``Content-Length``, ``detach()``): the request
        coroutine raises it, and Albany closes the connection, as Tornado closes it."""
        self.body_complete = False
        """The whole request body has been read (set by the request coroutine)."""
        self.head_request = False
        """The request is a ``HEAD``: its response has no body."""
        self.send_reason = False
        """The server takes the status line's reason phrase (``albany.http.reason``)."""
        self.headers_written = False
        self.write_finished = False
        """``finish()`` was called: the delegate will write nothing more."""

    # -- what Tornado's RequestHandler and routers call

    def write_headers(
        self,
        start_line: httputil.RequestStartLine | httputil.ResponseStartLine,
        headers: httputil.HTTPHeaders,
        chunk: bytes | None = None,
    ) -> Future[None]:
        """Send the status and headers, and ``chunk`` if given."""
        assert isinstance(start_line, httputil.ResponseStartLine)
        declared = headers.get("Content-Length")
        if declared is not None and not (declared.isascii() and declared.isdigit()):
            raise ValueError(f"not an integer: {declared!r}")  # Tornado's check, before sending
        self.headers_written = True
        raw = response_headers(headers)
        if self.head_request or start_line.code in (204, 304):
            self._declared = 0  # no body, whatever Content-Length says (as Tornado counts)
        else:
            self._declared = int(declared) if declared is not None else None
        if self._no_keep_alive or (
            not self.body_complete and "close" not in headers.get("Connection", "").lower()
        ):
            # answered before the body was read (an early 401…): the rest of the body is not
            # read, so the connection cannot carry another request, as in Tornado
            raw.append((b"Connection", b"close"))
        start = {"type": "http.response.start", "status": start_line.code, "headers": raw}
        if self.send_reason and start_line.reason:
            start["reason"] = start_line.reason
        try:
            self._sender.submit(start)
        except SendFailed:
            return failed(self._loop, iostream.StreamClosedError())
        return self.write(chunk or b"")

    def write(self, chunk: bytes) -> Future[None]:
        """Send a piece of the body; the future waits while the transport is full.

        Before ``write_headers``, the bytes are the response head itself, as Tornado's
        oldest callback interface writes it (``HTTP/1.1 200 OK\\r\\n…``).
        """
        if self._sender.gone:
            return failed(self._loop, iostream.StreamClosedError())
        if not self.headers_written:
            return self._write_raw_head(chunk)
        self._written += len(chunk)
        if self._declared is not None and self._written > self._declared:
            error = httputil.HTTPOutputError("Tried to write more data than Content-Length")
            self._break(error)
            raise error  # as Tornado's connection raises it, after closing
        future: Future[None] = self._loop.create_future()
        message = {"type": "http.response.body", "body": chunk, "more_body": True}
        try:
            self._sender.submit(message, future)
        except SendFailed:
            return failed(self._loop, iostream.StreamClosedError())
        return future

    def _write_raw_head(self, chunk: bytes) -> Future[None]:
        self._raw_head += chunk
        head, complete, rest = self._raw_head.partition(b"\r\n\r\n")
        if not complete:
            done: Future[None] = self._loop.create_future()
            done.set_result(None)
            return done
        self._raw_head = b""
        status_line, _, fields = head.decode("latin-1").partition("\r\n")
        start_line = httputil.parse_response_start_line(status_line)
        return self.write_headers(start_line, httputil.HTTPHeaders.parse(fields), rest or None)

    def finish(self) -> None:
        """The response is complete; its last message goes after the others."""
        self.write_finished = True
        if self.broken.done():
            return
        if self._declared is not None and self._written < self._declared:
            error = httputil.HTTPOutputError(
                f"Tried to write {self._declared - self._written} bytes less than Content-Length"
            )
            self._break(error)
            raise error  # as Tornado's connection raises it, after closing
        try:
            self._sender.submit({"type": "http.response.body", "body": b"", "more_body": False})
        except SendFailed:
            pass

    def set_close_callback(self, callback: Callable[[], None] | None) -> None:
        """``callback`` runs if the client goes away before the response is finished."""
        self._close_callback = callback

    def set_max_body_size(self, max_body_size: int) -> None:
        self.max_body_size = max_body_size

    def set_body_timeout(self, timeout: float) -> None:
        """This request's ``body_timeout`` (a handler's ``prepare`` may call it)."""
        self.body_timeout = timeout

    def detach(self) -> iostream.IOStream:
        """Not available: Albany owns the connection. The connection is closed (the
        response cannot be completed), and ``NotImplementedError`` raised."""
        error = NotImplementedError(
            "Albany owns the connection: a Tornado handler cannot detach it "
            "(a WebSocketHandler is served through the websocket scope)"
        )
        self._break(error)
        raise error

    def _break(self, error: BaseException) -> None:
        if not self.broken.done():
            self.broken.set_result(error)

    def close(self) -> None:
        """Tornado's connections have it; here the request coroutine closes by returning."""

    # -- what the request coroutine calls

    def client_gone(self) -> None:
        """The client went away before the response was complete: run the close callback."""
        callback, self._close_callback = self._close_callback, None
        if callback is not None:
            callback()

    def reject(self, status: int) -> None:
        """Answer a request Tornado finds malformed, as Tornado does, if nothing was written."""
        if self.headers_written or self._sender.gone:
            return
        self.headers_written = self.write_finished = True
        headers = [(b"Content-Length", b"0"), (b"Connection", b"close")]
        try:
            self._sender.submit(
                {"type": "http.response.start", "status": status, "headers": headers}
            )
            self._sender.submit({"type": "http.response.body", "body": b""})
        except SendFailed:
            pass

    def failed(self, error: BaseException) -> None:
        """The delegate raised: 500 and close, or only close once the head is out."""
        if self.headers_written and not self._sender.gone:
            self._break(error)
        else:
            self.reject(500)

    def timed_out(self) -> None:
        """The body did not arrive within ``body_timeout``: 408, or a close if too late for it."""
        if self.headers_written:
            self._break(TimeoutError("Timeout reading the request body"))
        else:
            self.reject(408)

    @property
    def response_complete(self) -> bool:
        """The last body message has been sent."""
        return self._sender.finished

    @property
    def sending(self) -> bool:
        """A message is waiting for the transport to drain (others may queue behind it)."""
        return not self._sender.idle

    async def drained(self) -> None:
        """Wait until every message submitted so far has been sent or has failed."""
        await self._sender.drained()


def response_headers(headers: httputil.HTTPHeaders) -> list[tuple[bytes, bytes]]:
    """Tornado's response headers as ASGI raw headers, less ``Date`` and Tornado's ``Server``.

    Albany writes ``date`` and ``server`` on every response; an app's own would repeat them.
    """
    raw = []
    for name, value in headers.get_all():
        if name == "Date" or (name == "Server" and value.startswith(_SERVER_DEFAULT)):
            continue
        raw.append((name.encode("latin-1"), str(value).encode("latin-1")))
    return raw

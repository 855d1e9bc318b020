"""One request's cycle: the app's ``receive`` and ``send`` over the HTTP/1.1 layer.

States of the response side, in order: not started → head held (``http.response.start``
received, written with the first body piece) → streaming → complete. Invariants:

1. Body bytes reach the app in order, each byte once; ``more_body`` is False exactly once.
2. After the response is complete or the client is gone, ``receive`` returns
   ``http.disconnect`` at once; before that it waits for body or for either event.
3. ``send`` waits only while the transport is over its high-water mark.
4. The 100 Continue goes out the first time the app asks for a body it has not got.
5. ``albany.http.abort`` ends the request with no (further) response: the connection
   closes, nothing more is written, and the app's end is not answered.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Awaitable, Generator

from albany.http1.events import Request
from albany.http1.writer import CONTINUE
from albany.types import Message

if TYPE_CHECKING:
    from albany.gateway.connection import HttpConnection
    from albany.gateway.interfaces import AppRunner

logger = logging.getLogger("albany.error")

_DISCONNECT: dict[str, Any] = {"type": "http.disconnect"}


class _Ready:
    """An awaitable that is already complete (its result is None)."""

    __slots__ = ()

    def __await__(self) -> Generator[None, None, None]:
        return _NOTHING_LEFT  # an exhausted iterator: ``await`` finishes at once


_NOTHING_LEFT: Generator[None, None, None] = iter(())  # type: ignore[assignment]
READY: Awaitable[None] = _Ready()


class ClientDisconnected(OSError):
    """Raised by ``send`` once the client has gone away (ASGI's OSError rule)."""


class RequestCycle:
    """Holds one request's body, response state and the app's waiters."""

    __slots__ = (
        "_connection",
        "request",
        "_runner",
        "_body",
        "_body_size",
        "body_complete",
        "_waiter",
        "continue_pending",
        "_end_delivered",
        "_start",
        "response_started",
        "response_complete",
        "disconnected",
        "status",
        "client",
        "started",
        "sent",
    )

    def __init__(self, connection: HttpConnection, request: Request, runner: AppRunner) -> None:
        self._connection = connection
        self.request = request
        self._runner = runner
        self._body: list[bytes] = []
        self._body_size = 0
        self.body_complete = not request.has_body
        self._waiter: Any = None
        self.continue_pending = request.expect_continue
        self._end_delivered = False
        self._start: Message | None = None
        self.response_started = False
        self.response_complete = False
        self.disconnected = False
        self.status = 0
        self.client = connection.peer
        """The client the access log names: the scope's, after a trusted proxy's correction."""
        self.started = 0.0  # the clock's time at the start, with --access-log-format
        self.sent = 0  # response body bytes

    # fed by the connection

    def body_received(self, data: bytes) -> bool:
        """Buffer a body piece; True when the buffer is over the high-water mark."""
        if self.response_complete:
            return False  # the app is done with this request: drain and drop
        self._body.append(data)
        self._body_size += len(data)
        self._wake()
        return self._body_size > self._connection.high_water

    def body_finished(self) -> None:
        self.body_complete = True
        self._wake()

    def client_gone(self) -> None:
        self.disconnected = True
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            self._runner.resolve(waiter, None)

    # the app's side

    async def receive(self) -> Message:
        """The next ``http.request`` piece, or ``http.disconnect``."""
        while True:
            if self._body or (self.body_complete and not self._end_delivered):
                body = self._body[0] if len(self._body) == 1 else b"".join(self._body)
                was_full = self._body_size > self._connection.high_water
                self._body = []
                self._body_size = 0
                if was_full:
                    self._connection.body_consumed()
                self._end_delivered = complete = self.body_complete
                return {"type": "http.request", "body": body, "more_body": not complete}
            if self.disconnected or self.response_complete:
                return _DISCONNECT
            if self.continue_pending:
                self.continue_pending = False
                if not self.response_started:
                    self._connection.write(CONTINUE)
            self._waiter = waiter = self._runner.create_future()
            await waiter

    def send(self, message: Message) -> Awaitable[None]:
        """Take one response message; the awaitable waits while the transport is full.

        A plain function, not a coroutine: a send that need not wait (nearly all of
        them) costs no coroutine object. Errors are raised at the call.
        """
        if self.disconnected:
            raise ClientDisconnected("The client has disconnected")
        connection = self._connection
        kind = message["type"]
        if kind == "http.response.body":
            if self.response_complete:
                raise RuntimeError("Unexpected http.response.body: the response is complete")
            body = message.get("body", b"")
            more_body = message.get("more_body", False)
            start = self._start
            if start is not None:
                data = connection.writer.begin(
                    self.request,
                    self.status,
                    start.get("headers", ()),
                    connection.state.default_headers(),
                    body,
                    more_body,
                    connection.keep_alive_allowed(self),
                    start.get("reason"),
                )
                self._start = None  # only now: a head the writer rejects is still answerable
            elif not self.response_started:
                raise RuntimeError("http.response.body sent before http.response.start")
            else:
                data = connection.writer.write(body, more_body)
            if data:
                connection.write(data)
            self.sent += len(body)
            if not more_body:
                self.response_complete = True
                self._wake()
                connection.response_complete(self)
            elif connection.write_paused:
                return connection.drained(self._runner)
        elif kind == "http.response.start":
            if self.response_started:
                raise RuntimeError("Unexpected http.response.start: the response has started")
            self.status = message["status"]
            self._start = message
            self.response_started = True
        elif kind == "albany.http.abort":
            self._abort()
        else:
            raise RuntimeError(f"Unexpected ASGI message type {kind!r} for an HTTP scope")
        return READY

    def _abort(self) -> None:
        """Drop the response and close the connection (invariant 5, spec section 4.7)."""
        if self.response_complete:
            raise RuntimeError("Unexpected albany.http.abort: the response is complete")
        self._start = None  # a held head is never written
        self.response_started = self.response_complete = True
        self._wake()
        self._connection.abort()

    @property
    def head_written(self) -> bool:
        """Whether response bytes are on the wire (the head leaves with the first body piece)."""
        return self.response_started and self._start is None

    def app_finished(self, error: BaseException | None) -> None:
        """The app returned or raised: answer 500 or close if the response is unfinished."""
        connection = self._connection
        if error is not None:
            if self.disconnected and (
                isinstance(error, ClientDisconnected) or connection.state.cancelled
            ):
                return  # gone, or cut short at shutdown (and logged then): not the app's fault
            logger.error("Exception in ASGI application", exc_info=error)
        elif self.response_complete or self.disconnected:
            return
        elif not self.response_started:
            logger.error("ASGI callable returned without starting response.")
        else:
            logger.error("ASGI callable returned without completing response.")
        if self.response_complete or self.disconnected:
            return
        if self.head_written:
            connection.abort()  # bytes of this response are on the wire: only closing is left
        else:
            self.response_started = True
            self.response_complete = True
            self.status = 500
            connection.log_response(self)
            connection.send_error(500, "Internal Server Error")

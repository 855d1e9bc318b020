"""One HTTP/1.1 connection: request events to cycles, in order, with flow control and timeouts.

A connection is always in one of these states (``_cycle`` / ``_receiving``):

========== ================================ ===============================
state      meaning                          leaves when
========== ================================ ===============================
idle       no response owed                 a request head arrives
busy       ``_cycle`` owes a response       its response completes
draining   response done, body still comes  the body's end arrives
closing    no further request               the backend reports the loss
========== ================================ ===============================

Invariants:

1. Responses leave in request order: a pipelined request waits in ``_pending`` until
   the response before it is complete and its body read.
2. Reading is paused while the app has not consumed ``high_water`` body bytes, or
   while pipelined requests wait; it resumes when the app catches up.
3. One deadline at a time: the request-head timeout while a head is incomplete,
   the keep-alive timeout while idle. One timer serves both, re-armed lazily.
4. A protocol error is answered after the responses owed before it, then the
   connection closes.
5. A valid WebSocket upgrade ends HTTP on the connection: ``websocket`` holds the
   session, which gets every later byte (``data_received`` is re-bound to it) and the
   shutdown and loss events. Requests that do not ask to upgrade pay nothing for this.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import TYPE_CHECKING, Any, Union

from albany.gateway.cycle import RequestCycle
from albany.gateway.interfaces import AppRunner, Timer, Transport
from albany.gateway.server_state import ServerState
from albany.http1.errors import ProtocolError
from albany.http1.events import Data, Event, Request
from albany.http1.reader import RequestReader
from albany.http1.writer import ResponseWriter, error_response
from albany.spec import ASGI_VERSIONS
from albany.websocket.handshake import HandshakeError, read_handshake

if TYPE_CHECKING:
    from albany.gateway.endpoints import Endpoint
    from albany.proxy.hook import ScopeFix
    from albany.websocket.session import WebSocketSession

logger = logging.getLogger("albany.error")
access_logger = logging.getLogger("albany.access")

_MAX_PIPELINED = 16


class HttpConnection:
    """The gateway side of one connection; the backend forwards its transport events here."""

    def __init__(
        self,
        state: ServerState,
        transport: Transport,
        server: tuple[str, int | None] | None,
        client: tuple[str, int] | None,
        scheme: str = "http",
    ) -> None:
        self.state = state
        self.transport = transport
        self.high_water = state.config.high_water
        self.reader = RequestReader(state.limits)
        self.writer = ResponseWriter()
        self.write_paused = False
        self._drain_waiters: list[Any] = []
        self._server = server
        self._client = client
        self._scheme = scheme
        self._cycle: RequestCycle | None = None
        self._receiving: RequestCycle | None = None
        self._pending: deque[Union[Event, ProtocolError]] = deque()
        self._reading_paused = False
        self._closing = False
        self._closed = False
        self._deadline: float | None = None
        self._deadline_for_head = False
        self._timer: Timer | None = None
        self._timer_due = 0.0
        self.websocket: WebSocketSession | None = None
        state.connections.add(self)
        self._set_deadline(state.config.timeout_request_header, for_head=True)
        # --proxy-headers / --proxy-protocol (albany/proxy/hook.py): None unless trusted
        self.proxy: ScopeFix | None = None
        if state.proxy is not None:
            state.proxy.connection_made(self)

    # transport events, from the backend

    def data_received(self, data: bytes) -> None:
        if self._closing:
            return
        try:
            events = self.reader.feed(data)
        except ProtocolError as error:
            self._route(self.reader.take_events())
            self._protocol_error(error)
            return
        if events:
            self._route(events)
        if self.reader.reading_head:
            if not self._deadline_for_head:
                self._set_deadline(self.state.config.timeout_request_header, for_head=True)
        elif self._deadline is not None and (self._cycle is not None or self._pending):
            self._deadline = None

    def eof_received(self) -> None:
        """The client half-closed: like most servers, take it as gone (apps see a disconnect)."""
        self.close()
        self.connection_lost()

    def connection_lost(self) -> None:
        if self._closed:
            return
        self._closed = self._closing = True
        for cycle in (self._cycle, self._receiving):
            if cycle is not None:
                cycle.client_gone()
        if self.websocket is not None:
            self.websocket.connection_lost()
        self._release_drain_waiters()
        self._deadline = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.state.connection_closed(self)

    def pause_writing(self) -> None:
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        self._release_drain_waiters()

    # server events

    def shutdown(self) -> None:
        """Graceful shutdown: close now if idle, else after the response in flight."""
        if self.websocket is not None:
            self.websocket.shutdown()  # a close frame with 1012
            return
        self._pending.clear()
        if self._cycle is None:
            self.close()

    def abort(self) -> None:
        self.close()

    # used by the request cycle

    def write(self, data: bytes) -> None:
        if not self._closing:
            self.transport.write(data)

    def close(self) -> None:
        if not self._closing:
            self._closing = True
            self.transport.close()

    def keep_alive_allowed(self, cycle: RequestCycle) -> bool:
        """Whether the response may leave the connection open (the writer decides the rest)."""
        if self.state.shutting_down:
            return False
        # A client still waiting for "100 Continue" would send a body nobody reads.
        return cycle.body_complete or not cycle.continue_pending

    async def drained(self, runner: AppRunner) -> None:
        """Wait until the transport is back under its high-water mark."""
        waiter = runner.create_future()
        self._drain_waiters.append((runner, waiter))
        await waiter

    def body_consumed(self) -> None:
        if self._reading_paused and not self._closing:
            self._reading_paused = False
            self.transport.resume_reading()

    def response_complete(self, cycle: RequestCycle) -> None:
        if self.state.access_log:
            self._log_access(cycle)
        self._cycle = None
        if not self.writer.keep_alive or self.state.shutting_down:
            self.close()
            return
        if self._receiving is cycle:
            self.body_consumed()  # drain the rest of the unread body
        self._start_next()

    def send_error(self, status: int, message: str) -> None:
        """Answer with a plain error response and close."""
        self.write(error_response(status, message, self.state.default_headers()))
        self.close()

    # internals

    def _route(self, events: list[Event]) -> None:
        for event in events:
            if self._closing:
                return  # a response ended the connection: later requests reach no app
            receiving = self._receiving
            if receiving is not None:
                if type(event) is Data:
                    if receiving.body_received(event.data) and not self._reading_paused:
                        self._pause_reading()
                else:
                    receiving.body_finished()
                    self._receiving = None
                    if self._cycle is None:
                        self._start_next()
            elif self._cycle is None and not self._pending:
                if type(event) is Request:
                    self._start_cycle(event)
                # else: the end of an upgrade request; the connection speaks WebSocket now
            else:
                self._pending.append(event)
                if len(self._pending) > _MAX_PIPELINED and not self._reading_paused:
                    self._pause_reading()

    def _start_next(self) -> None:
        pending = self._pending
        if self._cycle is not None or self._receiving is not None or self._closing:
            return
        if not pending:
            if self._reading_paused:
                self.body_consumed()
            self._set_deadline(self.state.config.timeout_keep_alive)
            return
        event = pending.popleft()
        if isinstance(event, ProtocolError):
            self.send_error(event.status, event.reason)
            return
        assert type(event) is Request
        self._start_cycle(event)
        while pending and self._receiving is not None:
            event = pending.popleft()
            if isinstance(event, ProtocolError):  # this request's own body is malformed
                self._body_error(event)
                return
            self._route([event])

    def _start_cycle(self, request: Request) -> None:
        self._deadline = None
        state = self.state
        endpoint = state.endpoints.route(request.path)
        cycle = RequestCycle(self, request, endpoint.runner)
        self._cycle = self._receiving = cycle
        root_path = state.root_path
        if root_path:  # the path as the client sent it, before a proxy took the prefix off
            path = root_path + request.path
            raw_path = state.raw_root_path + request.raw_path
        else:
            path = request.path
            raw_path = request.raw_path
        if request.upgrade is not None:  # the reader keeps only WebSocket's (handshake rule 1)
            self._start_websocket(request, endpoint, path, raw_path)
            return
        scope = {
            "type": "http",
            "asgi": ASGI_VERSIONS,
            "http_version": request.http_version,
            "server": self._server,
            "client": self._client,
            "scheme": self._scheme,
            "method": request.method,
            "root_path": root_path + endpoint.prefix,
            "path": path,
            "raw_path": raw_path,
            "query_string": request.query_string,
            "headers": request.headers,
            "state": endpoint.lifespan_state.copy(),
            "extensions": {
                "albany": endpoint.extension,
                "albany.http.reason": {},
                "albany.http.abort": {},
            },
        }
        if self.proxy is not None:  # what a trusted proxy says (albany/proxy/)
            self.proxy.apply(scope, root_path, state.raw_root_path)
        endpoint.runner.run(endpoint.app, scope, cycle)

    def _start_websocket(
        self, request: Request, endpoint: Endpoint, path: str, raw_path: bytes
    ) -> None:
        """Hand the connection to a WebSocket session (``albany/websocket/``).

        The request head was parsed once, by the reader; the session gets it parsed.
        """
        self._cycle = self._receiving = None
        self._pending.clear()  # the reader stopped at the upgrade: at most its end is here
        try:
            handshake = read_handshake(request)
        except HandshakeError as error:
            self.write(
                error_response(
                    error.status, error.reason, self.state.default_headers() + error.headers
                )
            )
            self.close()
            return
        from albany.websocket.session import WebSocketSession  # the frame engine: only when used

        state = self.state
        session = WebSocketSession(
            self, request, handshake, endpoint.runner, state.config.websocket, self._client
        )
        self.websocket = session
        # The backend keeps calling data_received; from now on it reaches the session.
        self.data_received = session.data_received  # type: ignore[method-assign]
        if self._reading_paused:
            self._reading_paused = False
            self.transport.resume_reading()
        scope = {
            "type": "websocket",
            "asgi": ASGI_VERSIONS,
            "http_version": request.http_version,
            "scheme": "wss" if self._scheme == "https" else "ws",
            "server": self._server,
            "client": self._client,
            "root_path": state.root_path + endpoint.prefix,
            "path": path,
            "raw_path": raw_path,
            "query_string": request.query_string,
            "headers": request.headers,
            "subprotocols": handshake.subprotocols,
            "state": endpoint.lifespan_state.copy(),
            "extensions": {
                "albany": endpoint.extension,
                "websocket.http.response": {},
                "albany.websocket.ping": {},
            },
        }
        if self.proxy is not None:  # what a trusted proxy says (albany/proxy/)
            self.proxy.apply(scope, state.root_path, state.raw_root_path)
        session.start(endpoint.app, scope, self.reader.upgrade_data)

    def _pause_reading(self) -> None:
        self._reading_paused = True
        self.transport.pause_reading()

    def _protocol_error(self, error: ProtocolError) -> None:
        cycle = self._cycle
        if cycle is None and self._receiving is None and not self._pending:
            self.send_error(error.status, error.reason)
        elif cycle is not None and self._receiving is cycle:
            self._body_error(error)
        else:
            self._pending.append(error)
            if self._receiving is not None:
                self._receiving.client_gone()
                self._receiving = None
            self._pause_reading()
            self._start_next()

    def _body_error(self, error: ProtocolError) -> None:
        """The request being answered broke its own body: its app sees a disconnect."""
        cycle = self._cycle
        assert cycle is not None
        self._receiving = None
        cycle.client_gone()
        if cycle.head_written:
            self.close()
        else:
            self.send_error(error.status, error.reason)

    def _release_drain_waiters(self) -> None:
        waiters, self._drain_waiters = self._drain_waiters, []
        for runner, waiter in waiters:
            runner.resolve(waiter, None)

    def _set_deadline(self, timeout: float, for_head: bool = False) -> None:
        clock = self.state.clock
        self._deadline = deadline = clock.time() + timeout
        self._deadline_for_head = for_head
        # Timers are re-armed lazily: a later deadline waits for the timer set already.
        if self._timer is None or deadline < self._timer_due:
            if self._timer is not None:
                self._timer.cancel()
            self._timer_due = deadline
            self._timer = clock.call_later(timeout, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        deadline = self._deadline
        if deadline is None or self._closing:
            return
        clock = self.state.clock
        remaining = deadline - clock.time()
        if remaining > 0:
            self._timer_due = deadline
            self._timer = clock.call_later(remaining, self._on_timer)
            return
        self._deadline = None
        if self._deadline_for_head and self.reader.reading_head:
            self.send_error(408, "Request Timeout")
        else:
            self.close()

    def _log_access(self, cycle: RequestCycle) -> None:
        request = cycle.request
        client = self._client
        access_logger.info(
            '%s - "%s %s HTTP/%s" %d',
            f"{client[0]}:{client[1]}" if client else "-",
            request.method,
            request.raw_path.decode("latin-1")
            + ("?" + request.query_string.decode("latin-1") if request.query_string else ""),
            request.http_version,
            cycle.status,
        )

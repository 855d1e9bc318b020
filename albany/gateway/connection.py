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
   while more than ``max_pipelined_requests`` pipelined requests (or ``high_water``
   bytes of their bodies) wait; it resumes when the app catches up.
3. One deadline at a time: the request-head timeout while a head is incomplete,
   the body timeout while a body is awaited, the keep-alive timeout while idle, the
   linger timeout while closing in stages; above all, the write timeout while the
   transport is over its high-water mark. One timer serves them all, re-armed lazily.
4. A protocol error is answered after the responses owed before it, then the
   connection closes in stages (RFC 9112 §9.6): the write side is shut, what the
   client still sends is read and discarded for a bounded time and amount, then the
   transport closes. Closing at once with unread input would make the kernel reset
   the connection and destroy the responses the client has not read yet.
5. A valid WebSocket upgrade ends HTTP on the connection: ``websocket`` holds the
   session, which gets every later byte (``data_received`` is re-bound to it) and the
   shutdown and loss events. Requests that do not ask to upgrade pay nothing for this.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import TYPE_CHECKING, Any, Union

from albany.gateway.access import AccessAtoms
from albany.gateway.cycle import RequestCycle
from albany.gateway.interfaces import AppRunner, Timer, Transport
from albany.gateway.server_state import ServerState
from albany.http1.errors import ProtocolError
from albany.http1.events import Data, Event, Request
from albany.http1.reader import RequestReader
from albany.http1.writer import ResponseWriter, error_response
from albany.spec import ASGI_VERSIONS
from albany.websocket.handshake import HandshakeError, read_handshake

PLAIN_UPGRADES_ATTRIBUTE = "__albany_plain_upgrades__"
"""An app with this attribute true gets an invalid WebSocket handshake without a body as an
ordinary ``http`` request, instead of Albany's 400 or 426 (docs/spec.md, section 12.1)."""

if TYPE_CHECKING:
    from albany.gateway.endpoints import Endpoint
    from albany.proxy.hook import ScopeFix
    from albany.websocket.session import WebSocketSession

logger = logging.getLogger("albany.error")
access_logger = logging.getLogger("albany.access")

FIRST_REQUEST_GRACE = 1.0
"""Seconds a connection that has not sent a request yet gets to send one once shutdown begins:
it may have been accepted just before the listener closed, its request already on the way."""
# What the connection's one deadline is for (``_deadline_kind``): what happens when it passes
_KEEP_ALIVE = 0  # close
_HEAD = 1  # 408 if a head has begun, else close
_BODY = 2  # the body stalled: 408 if no response has begun, else close
_LINGER = 3  # the staged close is over: close the transport
_WRITE = 4  # the client stopped reading: drop the connection and what is queued for it


class HttpConnection:
    """The gateway side of one connection; the backend forwards its transport events here."""

    def __init__(
        self,
        state: ServerState,
        transport: Transport,
        server: tuple[str, int | None] | None,
        client: tuple[str, int] | None,
        scheme: str = "http",
        tls: Any = None,
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
        self._tls = tls  # the TLS session object, None on plain connections (gateway/tls.py)
        self._tls_extension: dict[str, Any] | None = None
        self._cycle: RequestCycle | None = None
        self._receiving: RequestCycle | None = None
        self._pending: deque[Union[Event, ProtocolError]] = deque()
        self._pending_requests = 0  # Request events in _pending
        self._pending_body = 0  # bytes of the Data events in _pending
        self._reading_paused = False
        self._closing = False
        self._closed = False
        self._served = False
        self._deadline: float | None = None
        self._deadline_kind = _KEEP_ALIVE
        self._linger_left = -1  # bytes still read and discarded while closing in stages
        self._timer: Timer | None = None
        self._timer_due = 0.0
        self.websocket: WebSocketSession | None = None
        self._declined_upgrade = False
        state.connections.add(self)
        self.expect_head()
        # --proxy-headers / --proxy-protocol (albany/proxy/hook.py): None unless trusted
        self.proxy: ScopeFix | None = None
        if state.proxy is not None:
            state.proxy.connection_made(self)

    # transport events, from the backend

    def data_received(self, data: bytes) -> None:
        if self._closing:
            if self._linger_left >= 0:
                left = self._linger_left - len(data)
                if left < 0:  # a client that never stops sending
                    self.close()
                else:
                    self._linger_left = left
            return
        try:
            events = self.reader.feed(data)
        except ProtocolError as error:
            self._route(self.reader.take_events())
            self._protocol_error(error)
            return
        if events:
            self._route(events)
        if self._declined_upgrade:
            self._read_on_as_http()
            return
        if self.reader.reading_head:
            if self._deadline_kind != _HEAD:
                self._set_deadline(self.state.config.timeout_request_header, _HEAD)
        elif self._receiving is not None:
            if not self._reading_paused:
                self._set_deadline(self.state.config.timeout_body, _BODY)
        elif self._deadline is not None and (self._cycle is not None or self._pending):
            if self._deadline_kind != _WRITE:
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
        self._set_deadline(self.state.config.timeout_write, _WRITE)
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        if self._deadline_kind == _WRITE and self._deadline is not None:
            self._deadline = None
            self._rearm()
        self._release_drain_waiters()

    # server events

    def shutdown(self) -> None:
        """Graceful shutdown: close now if idle after a response, else after the response in
        flight. A connection yet to send its first request (or in the middle of a request head)
        gets its request served, with ``connection: close``, if it comes within
        ``FIRST_REQUEST_GRACE`` seconds (the head timeout, when shorter)."""
        if self.websocket is not None:
            self.websocket.shutdown()  # a close frame with 1012
            return
        self._clear_pending()
        if self._cycle is not None:
            return
        if self._closing or (self._served and not self.reader.reading_head):
            self.close()  # idle after a response, or lingering after its last one
        elif not self.reader.reading_head:
            grace = min(FIRST_REQUEST_GRACE, self.state.config.timeout_request_header)
            self._set_deadline(grace, kind=_HEAD)

    def abort(self) -> None:
        self.close()

    @property
    def busy(self) -> bool:
        """Whether a request or a WebSocket session is in flight on this connection."""
        return self._cycle is not None or self.websocket is not None

    def request_in_flight(self) -> Request | None:
        """The request whose response is owed, if any."""
        return self._cycle.request if self._cycle is not None else None

    # used by the request cycle

    def write(self, data: bytes) -> None:
        if not self._closing:
            self.transport.write(data)

    def close(self) -> None:
        """Close now (queued bytes are still written), or end a staged close."""
        if not self._closing:
            self._closing = True
            self.transport.close()
        elif self._linger_left >= 0:
            self._linger_left = -1
            self.transport.close()

    def close_in_stages(self) -> None:
        """Close after a response, leaving the client time to read it (RFC 9112 §9.6).

        The write side is shut once queued bytes are written; what the client still sends
        is discarded until it closes, ``linger_max_size`` bytes have come or
        ``timeout_linger`` has passed. A transport that cannot half-close (TLS) closes.
        """
        if self._closing:
            return
        transport = self.transport
        if not transport.can_write_eof():
            self.close()
            return
        self._closing = True
        config = self.state.config
        self._linger_left = config.linger_max_size
        transport.write_eof()
        if self._reading_paused:
            self._reading_paused = False
            transport.resume_reading()
        self._set_deadline(config.timeout_linger, _LINGER)

    def expect_head(self) -> None:
        """Time a request head from now: the request-header timeout."""
        self._set_deadline(self.state.config.timeout_request_header, _HEAD)

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
            if self._receiving is not None:  # the body is awaited again
                self._set_deadline(self.state.config.timeout_body, _BODY)

    def response_complete(self, cycle: RequestCycle) -> None:
        self.log_response(cycle)
        self._cycle = None
        if not self.writer.keep_alive or self.state.shutting_down:
            self.close_in_stages()
            return
        if self._receiving is cycle:
            self.body_consumed()  # drain the rest of the unread body
        self._start_next()

    def send_error(self, status: int, message: str) -> None:
        """Answer with a plain error response and close (in stages)."""
        self.write(error_response(status, message, self.state.default_headers()))
        self.close_in_stages()

    def tls_extension(self) -> dict[str, Any]:
        """The scope's ``tls`` extension (a TLS connection only), read once per connection."""
        extension = self._tls_extension
        if extension is None:
            from albany.gateway.tls import tls_extension

            extension = tls_extension(self._tls, self.state.tls_server_cert())
            self._tls_extension = extension
        return extension.copy()

    # used by the PROXY protocol intake (albany/proxy/hook.py)

    @property
    def peer(self) -> tuple[str, int] | None:
        """The client address as it stands: the socket's peer, or what a PROXY header said."""
        return self._client

    @property
    def closing(self) -> bool:
        """Whether the connection takes no further bytes."""
        return self._closing

    def await_proxy_header(self) -> None:
        """No request-head deadline until the PROXY header is in (its reader has its own)."""
        self._deadline = None

    def proxy_header_received(
        self,
        client: tuple[str, int] | None,
        server: tuple[str, int | None] | None,
        secure: bool,
    ) -> None:
        """Take the addresses a PROXY header gave (``client`` None: a Unix-socket client;
        ``server`` None keeps the socket's) and start the request-head deadline;
        ``secure``: the client spoke TLS to the proxy."""
        self._client = client
        if server is not None:
            self._server = server
        if secure:
            self._scheme = "https"
        self.expect_head()

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
                if type(event) is Request:
                    self._pending_requests += 1
                elif type(event) is Data:
                    self._pending_body += len(event.data)
                if not self._reading_paused and (
                    self._pending_requests > self.state.config.max_pipelined_requests
                    or self._pending_body > self.high_water
                ):
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
        self._pending_requests -= 1
        self._start_cycle(event)
        while pending and self._receiving is not None:
            event = pending.popleft()
            if isinstance(event, ProtocolError):  # this request's own body is malformed
                self._body_error(event)
                return
            if type(event) is Data:
                self._pending_body -= len(event.data)
            self._route([event])
        if self._receiving is not None and not self._reading_paused and not self._closing:
            self._set_deadline(self.state.config.timeout_body, _BODY)
        if self._declined_upgrade:
            self._read_on_as_http()

    def _read_on_as_http(self) -> None:
        """After a declined upgrade request has been routed, whole: parse what followed it."""
        self._declined_upgrade = False
        self.data_received(self.reader.decline_upgrade())

    def _start_cycle(self, request: Request) -> None:
        if self._deadline_kind != _WRITE:
            self._deadline = None
        self._served = True
        state = self.state
        state.count_request()
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
            limit = state.limit_concurrency
            if limit is None or len(state.connections) <= limit:
                if self._start_websocket(request, endpoint, path, raw_path):
                    return
                # an invalid handshake its app serves as a plain request: read on as HTTP
                self._declined_upgrade = True
        scope: dict[str, Any] = {
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
        if self._tls is not None:
            scope["extensions"]["tls"] = self.tls_extension()
        if self.proxy is not None:  # what a trusted proxy says (albany/proxy/)
            self.proxy.apply(scope, root_path, state.raw_root_path)
            cycle.client = scope["client"]
        if state.access_format is not None:
            cycle.started = state.clock.time()
        limit = state.limit_concurrency
        if limit is not None and len(state.connections) > limit:
            self._over_limit(endpoint, scope, cycle, limit)
            return
        endpoint.runner.run(endpoint.app, scope, cycle)

    def _over_limit(
        self, endpoint: Endpoint, scope: dict[str, Any], cycle: RequestCycle, limit: int
    ) -> None:
        """Over ``--limit-concurrency``: a 503 that closes, counted in the log."""
        state = self.state
        state.rejected += 1
        logger.warning(
            "Over --limit-concurrency %d: %d connections open, 503 sent (%d so far)",
            limit,
            len(state.connections),
            state.rejected,
        )
        endpoint.runner.run(service_unavailable, scope, cycle)

    def _start_websocket(
        self, request: Request, endpoint: Endpoint, path: str, raw_path: bytes
    ) -> bool:
        """Hand the connection to a WebSocket session (``albany/websocket/``).

        The request head was parsed once, by the reader; the session gets it parsed.
        False when the handshake is invalid and the app takes such requests as plain HTTP
        (``PLAIN_UPGRADES_ATTRIBUTE``): the caller serves it as an ``http`` request.
        """
        try:
            handshake = read_handshake(request)
        except HandshakeError as error:
            if not request.has_body and getattr(endpoint.app, PLAIN_UPGRADES_ATTRIBUTE, False):
                return False
            self._cycle = self._receiving = None
            self._clear_pending()
            self.write(
                error_response(
                    error.status, error.reason, self.state.default_headers() + error.headers
                )
            )
            self.close()
            return True
        self._cycle = self._receiving = None
        self._clear_pending()  # the reader stopped at the upgrade: at most its end is here
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
        scope: dict[str, Any] = {
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
                "albany.websocket.options": {},
            },
        }
        if self._tls is not None:
            scope["extensions"]["tls"] = self.tls_extension()
        if self.proxy is not None:  # what a trusted proxy says (albany/proxy/)
            self.proxy.apply(scope, state.root_path, state.raw_root_path)
        session.start(endpoint.app, scope, self.reader.upgrade_data)
        return True

    def _pause_reading(self) -> None:
        self._reading_paused = True
        self.transport.pause_reading()
        if self._deadline_kind == _BODY:  # the app is behind, not the client
            self._deadline = None

    def _clear_pending(self) -> None:
        self._pending.clear()
        self._pending_requests = self._pending_body = 0

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
            self.close_in_stages()
        else:
            self.send_error(error.status, error.reason)

    def _release_drain_waiters(self) -> None:
        waiters, self._drain_waiters = self._drain_waiters, []
        for runner, waiter in waiters:
            runner.resolve(waiter, None)

    def _set_deadline(self, timeout: float, kind: int = _KEEP_ALIVE) -> None:
        if self.write_paused and kind != _WRITE:
            return  # the write timeout runs until the client reads again (then _rearm)
        clock = self.state.clock
        self._deadline = deadline = clock.time() + timeout
        self._deadline_kind = kind
        # Timers are re-armed lazily: a later deadline waits for the timer set already.
        if self._timer is None or deadline < self._timer_due:
            if self._timer is not None:
                self._timer.cancel()
            self._timer_due = deadline
            self._timer = clock.call_later(timeout, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        deadline = self._deadline
        kind = self._deadline_kind
        if deadline is None or self._closed or (self._closing and kind < _LINGER):
            return
        clock = self.state.clock
        remaining = deadline - clock.time()
        if remaining > 0:
            self._timer_due = deadline
            self._timer = clock.call_later(remaining, self._on_timer)
            return
        self._deadline = None
        if kind == _WRITE:
            self._drop()
        elif kind == _BODY:
            self._body_timed_out()
        elif kind == _HEAD and self.reader.reading_head:
            self.send_error(408, "Request Timeout")
        else:
            self.close()  # idle, or the staged close is over

    def _rearm(self) -> None:
        """The deadline the connection's state calls for, once the write timeout is off."""
        config = self.state.config
        if self._closing:
            if self._linger_left >= 0:
                self._set_deadline(config.timeout_linger, _LINGER)
        elif self._receiving is not None:
            if not self._reading_paused:
                self._set_deadline(config.timeout_body, _BODY)
        elif self.reader.reading_head:
            self.expect_head()
        elif self._cycle is None and not self._pending:
            self._set_deadline(config.timeout_keep_alive)

    def _body_timed_out(self) -> None:
        receiving = self._receiving
        if receiving is None or self._reading_paused:
            return  # the body ended, or the app is behind: not the client's fault
        if receiving is self._cycle:
            self._body_error(ProtocolError(408, "Request Timeout"))
        else:  # answered already; the rest of its body never came
            self._receiving = None
            receiving.client_gone()
            self.close_in_stages()

    def _drop(self) -> None:
        """The client stopped reading: drop the connection and what is queued for it."""
        self._closing = True
        self._linger_left = -1
        self.transport.abort()

    def log_response(self, cycle: RequestCycle) -> None:
        """The access-log line of ``cycle``'s response, when the access log is on."""
        if self.state.access_log:
            self._log_access(cycle)

    def _log_access(self, cycle: RequestCycle) -> None:
        request = cycle.request
        client = cycle.client
        state = self.state
        access_format = state.access_format
        if access_format is not None:
            clock = state.clock
            atoms = AccessAtoms(
                request,
                client,
                cycle.status,
                cycle.sent,
                clock.time() - cycle.started,
                clock.wall_time(),
            )
            access_logger.info(access_format, atoms)
            return
        access_logger.info(
            '%s - "%s %s HTTP/%s" %d',
            f"{client[0]}:{client[1]}" if client else "-",
            request.method,
            request.raw_path.decode("latin-1")
            + ("?" + request.query_string.decode("latin-1") if request.query_string else ""),
            request.http_version,
            cycle.status,
        )


async def service_unavailable(scope: Any, receive: Any, send: Any) -> None:
    """The app a request over ``--limit-concurrency`` gets."""
    body = b"Service Unavailable"
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", b"%d" % len(body)),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})

"""An in-memory client: an app driven through Albany's gateway on a real loop, no socket.

``MemoryClient(app, "tornado").get("/")`` builds the ``ServerState`` and the
``AppRunner`` the chosen backend would build, feeds request bytes to an
``HttpConnection`` over a ``MemoryTransport``, and runs the loop until the response
written back is complete. Everything but the socket is real: the gateway, the
runner of the app's flavour, the loop's clock and thread pool, lifespan.

Loops, and the one-reactor-per-process rule (``MemoryLoops``):

============== =============================================================
loop           runs on
============== =============================================================
asyncio        one stdlib asyncio loop per ``MemoryLoops``
uvloop         one uvloop loop per ``MemoryLoops``
tornado        Tornado's IOLoop over that same stdlib asyncio loop
twisted        the process's reactor, when it is not the asyncio reactor
twisted-asyncio the asyncio reactor, on the stdlib asyncio loop
============== =============================================================

Twisted allows one reactor per process. When none is installed yet, ``MemoryLoops``
installs the asyncio reactor if ``twisted-asyncio`` is among the loops of the run, the
platform's default reactor otherwise; the loop the reactor cannot serve is then
unavailable (``LoopUnavailable``, which the pytest fixtures turn into a skip). Under
pytest-twisted the reactor is pytest-twisted's, and the client waits with its
``blockon``.
"""

from __future__ import annotations

import json as json_module
import time
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping, Sequence

from albany.config import Config
from albany.errors import StartupError
from albany.gateway.connection import HttpConnection
from albany.gateway.interfaces import AppRunner, Clock
from albany.gateway.server_state import ServerState
from albany.testing.fakes import FakeTransport
from albany.testing.live import LOOPS, loop_available, loop_package
from albany.types import BackendName, Flavour

if TYPE_CHECKING:
    import asyncio

Wake = Callable[[], None]
Start = Callable[[Wake], None]

CLIENT_ADDRESS = ("127.0.0.1", 50000)
SERVER_ADDRESS = ("127.0.0.1", 80)


class LoopUnavailable(Exception):
    """The loop cannot run in this process: not installed, or another reactor owns it."""


class MemoryTimeout(AssertionError):
    """The app did not complete a response (or lifespan step) in time."""


# Responses


class ResponseHeaders(Mapping[str, str]):
    """Response header fields, looked up without regard to case; repeated fields joined."""

    def __init__(self, raw: Sequence[tuple[bytes, bytes]]) -> None:
        self.raw = list(raw)

    def get_list(self, name: str) -> list[str]:
        """Every value of the field ``name``, in order."""
        wanted = name.lower().encode("latin-1")
        return [v.decode("latin-1") for n, v in self.raw if n.lower() == wanted]

    def __getitem__(self, name: str) -> str:
        values = self.get_list(name)
        if not values:
            raise KeyError(name)
        return ", ".join(values)

    def __iter__(self) -> Iterator[str]:
        seen: list[str] = []
        for name, _ in self.raw:
            text = name.decode("latin-1").lower()
            if text not in seen:
                seen.append(text)
        return iter(seen)

    def __len__(self) -> int:
        return len({name.lower() for name, _ in self.raw})

    def __repr__(self) -> str:
        return f"ResponseHeaders({self.raw!r})"


class MemoryResponse:
    """One response, named like ``httpx.Response`` so one test body can check either."""

    def __init__(self, status_code: int, raw_headers: list[tuple[bytes, bytes]], content: bytes):
        self.status_code = status_code
        self.headers = ResponseHeaders(raw_headers)
        self.content = content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json_module.loads(self.content)

    def __repr__(self) -> str:
        return f"<MemoryResponse [{self.status_code}]>"


def parse_response(
    data: bytes, head: bool = False, closed: bool = False
) -> tuple[MemoryResponse, bytes] | None:
    """The first final response in ``data`` and the bytes after it; None while incomplete.

    Informational (1xx) responses are skipped. No body for HEAD, 204 and 304; otherwise
    chunked, ``Content-Length``, or every byte until the connection is ``closed``.
    """
    while True:
        end = data.find(b"\r\n\r\n")
        if end < 0:
            return None
        status_line, *lines = data[:end].split(b"\r\n")
        version, _, rest = status_line.partition(b" ")
        if not version.startswith(b"HTTP/1."):
            raise AssertionError(f"not an HTTP/1.x response: {status_line!r}")
        status = int(rest.split(b" ", 1)[0])
        headers: list[tuple[bytes, bytes]] = []
        for line in lines:
            name, colon, value = line.partition(b":")
            if not colon:
                raise AssertionError(f"malformed header line {line!r}")
            headers.append((name.strip().lower(), value.strip()))
        data = data[end + 4 :]
        if status >= 200:
            break
    fields = dict(headers)
    if head or status in (204, 304):
        return MemoryResponse(status, headers, b""), data
    if fields.get(b"transfer-encoding", b"").lower() == b"chunked":
        pieces: list[bytes] = []
        while True:
            line_end = data.find(b"\r\n")
            if line_end < 0:
                return None
            size = int(data[:line_end].split(b";")[0], 16)
            if size == 0:
                trailer_end = data.find(b"\r\n\r\n", line_end)
                if trailer_end < 0:
                    return None
                return MemoryResponse(status, headers, b"".join(pieces)), data[trailer_end + 4 :]
            start = line_end + 2
            if len(data) < start + size + 2:
                return None
            pieces.append(data[start : start + size])
            data = data[start + size + 2 :]
    if b"content-length" in fields:
        length = int(fields[b"content-length"])
        if len(data) < length:
            return None
        return MemoryResponse(status, headers, data[:length]), data[length:]
    if not closed:
        return None
    return MemoryResponse(status, headers, data), b""


# The transport


class MemoryTransport(FakeTransport):
    """A ``FakeTransport`` that tells a listener about every write and the close."""

    def __init__(self, listener: Callable[[], None] = lambda: None) -> None:
        super().__init__()
        self.listener = listener
        self.data = b""

    def write(self, data: bytes) -> None:
        super().write(data)
        self.data += data
        self.listener()

    def close(self) -> None:
        if not self.closed:
            super().close()
            self.listener()


# Loops


class MemoryLoop:
    """One loop as the in-memory client drives it: how to run it, and what the backend builds."""

    def __init__(
        self,
        name: str,
        backend: BackendName,
        run: Callable[[Start, float], None],
        runner_for: Callable[[Flavour], AppRunner],
        clock: Callable[[], Clock],
        twisted_host: Any = None,
    ) -> None:
        self.name = name
        self.backend = backend
        self.run = run
        """``run(start, timeout)``: call ``start(wake)`` on the loop, run it until ``wake()``."""
        self.runner_for = runner_for
        self.clock = clock
        self.twisted_host = twisted_host
        """The asyncio loop a twisted-flavoured app's reactor must be on (None: any reactor)."""


def _run_asyncio(loop: asyncio.AbstractEventLoop) -> Callable[[Start, float], None]:
    import asyncio

    def run(start: Start, timeout: float) -> None:
        async def until_woken() -> None:
            waiter = loop.create_future()

            def wake() -> None:
                if not waiter.done():
                    waiter.set_result(None)

            start(wake)
            await asyncio.wait_for(waiter, timeout)

        try:
            loop.run_until_complete(until_woken())
        except asyncio.TimeoutError:
            raise MemoryTimeout(f"nothing completed within {timeout} s") from None

    return run


def _run_reactor(reactor: Any) -> Callable[[Start, float], None]:
    """Run a reactor by hand: ``iterate`` until woken (no ``reactor.run``, so it can resume)."""

    def run(start: Start, timeout: float) -> None:
        woken: list[bool] = []
        start(lambda: woken.append(True))
        deadline = time.monotonic() + timeout
        while not woken:
            if time.monotonic() > deadline:
                raise MemoryTimeout(f"nothing completed within {timeout} s")
            next_timer = reactor.timeout()
            reactor.iterate(0.05 if next_timer is None else min(next_timer, 0.05))

    return run


def _run_blockon(reactor: Any, blockon: Callable[[Any], Any]) -> Callable[[Start, float], None]:
    """Wait inside pytest-twisted's reactor with its ``blockon``."""
    from twisted.internet.defer import Deferred, TimeoutError

    def run(start: Start, timeout: float) -> None:
        done: Deferred[None] = Deferred()

        def wake() -> None:
            if not done.called:
                done.callback(None)

        start(wake)
        done.addTimeout(timeout, reactor)
        try:
            blockon(done)
        except TimeoutError:
            raise MemoryTimeout(f"nothing completed within {timeout} s") from None

    return run


class MemoryLoops:
    """The loops in-memory clients run on, made once and shared (a pytest session's worth).

    ``loops`` are the loops of the run: they decide which reactor is installed when one
    is needed and none is there yet. ``blockon`` is pytest-twisted's, when it owns the
    reactor.
    """

    def __init__(
        self, loops: Iterable[str] = LOOPS, blockon: Callable[[Any], Any] | None = None
    ) -> None:
        self.loops = list(loops)
        self.blockon = blockon
        self._asyncio_loop: asyncio.AbstractEventLoop | None = None
        self._uvloop: asyncio.AbstractEventLoop | None = None
        self._reactor_started = False
        self._made: dict[str, MemoryLoop] = {}

    def get(self, name: str) -> MemoryLoop:
        """The loop named, made on first use; ``LoopUnavailable`` when it cannot run here."""
        if name not in LOOPS:
            raise ValueError(f"Unknown loop {name!r}; expected one of {', '.join(LOOPS)}")
        if not loop_available(name):
            raise LoopUnavailable(f"{loop_package(name)} is not installed")
        made = self._made.get(name)
        if made is None:
            made = self._made[name] = self._make(name)
        return made

    def _make(self, name: str) -> MemoryLoop:
        if name in ("twisted", "twisted-asyncio"):
            return self._twisted(name)
        loop = self._uvloop_loop() if name == "uvloop" else self._stdlib_loop()
        run = _run_asyncio(loop)
        if name == "tornado":
            from tornado.ioloop import IOLoop

            from albany.backends.tornado.clock import TornadoClock
            from albany.backends.tornado.runner import runner_for as tornado_runner_for

            return MemoryLoop(
                name,
                "tornado",
                run,
                lambda flavour: tornado_runner_for(flavour, IOLoop.current()),
                lambda: TornadoClock(IOLoop.current()),
                twisted_host=loop,
            )
        from albany.backends.asyncio.clock import AsyncioClock
        from albany.backends.asyncio.runner import runner_for

        backend: BackendName = "uvloop" if name == "uvloop" else "asyncio"
        return MemoryLoop(
            name,
            backend,
            run,
            lambda flavour: runner_for(flavour, loop),
            lambda: AsyncioClock(loop),
            twisted_host=loop,
        )

    def _stdlib_loop(self) -> asyncio.AbstractEventLoop:
        import asyncio

        if self.blockon is not None:
            self._refuse_under_asyncio_reactor()
        if self._asyncio_loop is None:
            self._asyncio_loop = asyncio.new_event_loop()
        return self._asyncio_loop

    def _uvloop_loop(self) -> asyncio.AbstractEventLoop:
        import uvloop

        if self.blockon is not None:
            self._refuse_under_asyncio_reactor()
        if self._uvloop is None:
            self._uvloop = uvloop.new_event_loop()
        return self._uvloop

    def _refuse_under_asyncio_reactor(self) -> None:
        reactor = self.reactor()
        if _is_asyncio_reactor(reactor):
            raise LoopUnavailable(
                "pytest-twisted runs the asyncio reactor's loop in this thread, so no other "
                "asyncio loop can run here: use twisted-asyncio for in-memory tests, or run "
                "pytest-twisted with its default reactor"
            )

    def reactor(self) -> Any:
        """The process's reactor; installed now (see the module's doc) if there is none."""
        from albany.backends.twisted.reactors import (
            asyncio_reactor_on,
            install_reactor,
            installed_reactor,
        )

        reactor = installed_reactor()
        if reactor is None:
            if "twisted-asyncio" in self.loops or "twisted" not in self.loops:
                reactor = asyncio_reactor_on(self._stdlib_loop())
            else:
                reactor = install_reactor(None)
        return reactor

    def _twisted(self, name: str) -> MemoryLoop:
        from albany.backends.twisted.clock import TwistedClock
        from albany.backends.twisted.reactors import asyncio_loop_of, start_hosted_reactor
        from albany.backends.twisted.runner import runner_for

        reactor = self.reactor()
        on_asyncio = _is_asyncio_reactor(reactor)
        kind = type(reactor).__name__
        if name == "twisted" and on_asyncio:
            raise LoopUnavailable(
                "the asyncio reactor is installed in this process and Twisted allows one "
                "reactor per process: in-memory tests on 'twisted' need a run without "
                "twisted-asyncio (--albany-loops twisted)"
            )
        if name == "twisted-asyncio" and not on_asyncio:
            raise LoopUnavailable(
                f"the {kind} is installed in this process and Twisted allows one reactor "
                "per process: in-memory tests on 'twisted-asyncio' need a run of their own "
                "(--albany-loops twisted-asyncio)"
            )
        if self.blockon is not None:
            run = _run_blockon(reactor, self.blockon)
        elif on_asyncio:
            loop = asyncio_loop_of(reactor)
            start_hosted_reactor(reactor)
            run = _run_asyncio(loop)
        else:
            if not reactor.running:
                reactor.startRunning(installSignalHandlers=False)
                self._reactor_started = True
            run = _run_reactor(reactor)
        host = asyncio_loop_of(reactor) if on_asyncio else None
        return MemoryLoop(
            name,
            "twisted",
            run,
            lambda flavour: runner_for(flavour, reactor),
            lambda: TwistedClock(reactor),
            twisted_host=host,
        )

    def close(self) -> None:
        """Stop a reactor this object started by hand; close loops no reactor is hosted on."""
        if self._reactor_started:
            reactor = self.reactor()
            reactor.stop()
            reactor.iterate(0)  # fires "shutdown": the thread pool stops
            self._reactor_started = False
        hosting = self._made.get("twisted-asyncio")
        for loop in (self._asyncio_loop, self._uvloop):
            if loop is None or loop.is_closed() or loop.is_running():
                continue
            if hosting is not None and hosting.twisted_host is loop:
                continue  # the asyncio reactor stays on it until the process ends
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
        self._asyncio_loop = self._uvloop = None
        self._made.clear()


def _is_asyncio_reactor(reactor: Any) -> bool:
    from twisted.internet.asyncioreactor import AsyncioSelectorReactor

    return isinstance(reactor, AsyncioSelectorReactor)


_default_loops: MemoryLoops | None = None


def default_loops() -> MemoryLoops:
    """The ``MemoryLoops`` clients share when they are given none."""
    global _default_loops
    if _default_loops is None:
        _default_loops = MemoryLoops()
    return _default_loops


# The client

Headers = Mapping[str, str] | Iterable[tuple[str, str]]


class MemoryClient:
    """Requests to ``app`` through the gateway, on ``loop``, with no socket.

    ``app`` is an app of any kind Albany serves, or ``"MODULE:ATTR"``. Use it as a
    context manager (or call ``start``/``close``): entering runs lifespan start-up,
    leaving runs shut-down. Each request gets a connection of its own.
    """

    def __init__(
        self,
        app: Any,
        loop: str = "asyncio",
        *,
        config: Config | None = None,
        loops: MemoryLoops | None = None,
        timeout: float = 10.0,
        host: str = "testserver",
    ) -> None:
        from albany.app_kinds import as_albany_app
        from albany.importer import import_from_string
        from albany.mount import Mount
        from albany.serving import flavours_in

        if isinstance(app, str):
            app = import_from_string(app)
        if not isinstance(app, Mount):
            app = as_albany_app(app)
        self.app = app
        self.config = config or Config(access_log=False)
        self.timeout = timeout
        self.host = host
        self.loop = (loops or default_loops()).get(loop)
        self._loops = loops or default_loops()
        self._flavours = flavours_in(app)
        self._check_cross_flavour(loop)
        self.state: ServerState | None = None
        self._lifespan: Any = None

    def _check_cross_flavour(self, name: str) -> None:
        """An app that needs the asyncio reactor gets a ``LoopUnavailable`` where it has none."""
        if self.loop.backend == "twisted":
            if "asyncio" in self._flavours and self.loop.twisted_host is None:
                raise LoopUnavailable(
                    f"an asyncio app on Twisted needs the asyncio reactor, and {name!r} runs "
                    "another: use twisted-asyncio"
                )
        elif "twisted" in self._flavours:
            if not loop_available("twisted"):
                raise LoopUnavailable("a twisted app needs Twisted, and twisted is not installed")
            from albany.backends.twisted.reactors import asyncio_loop_of

            reactor = self._loops.reactor()
            if not _is_asyncio_reactor(reactor) or asyncio_loop_of(reactor) is not (
                self.loop.twisted_host
            ):
                raise LoopUnavailable(
                    f"a twisted app on {name} needs the asyncio reactor on that loop, and "
                    f"this process's {type(reactor).__name__} is elsewhere"
                )

    def start(self) -> MemoryClient:
        """Build the server state on the loop and run lifespan start-up."""
        if self.state is not None:
            return self
        made: list[ServerState] = []

        def build(wake: Wake) -> None:
            made.append(
                ServerState(
                    self.app,
                    self.loop.runner_for,
                    self.loop.clock(),
                    self.config,
                    self.loop.backend,
                )
            )
            wake()

        self.loop.run(build, self.timeout)
        state = made[0]
        lifespan = state.lifespan()
        failure = self._wait_for_callback(lifespan.startup)
        if failure is not None:
            raise StartupError(f"Application startup failed: {failure}")
        self.state, self._lifespan = state, lifespan
        return self

    def close(self) -> None:
        """Run lifespan shut-down; ``StartupError`` if it failed."""
        lifespan, self._lifespan, self.state = self._lifespan, None, None
        if lifespan is not None:
            failure = self._wait_for_callback(lifespan.shutdown)
            if failure is not None:
                raise StartupError(f"Application shutdown failed: {failure}")

    def _wait_for_callback(self, begin: Callable[[Callable[[Any], None]], None]) -> Any:
        result: list[Any] = []

        def start(wake: Wake) -> None:
            def done(value: Any) -> None:
                result.append(value)
                wake()

            begin(done)

        self.loop.run(start, self.timeout)
        return result[0]

    def __enter__(self) -> MemoryClient:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Headers | None = None,
        content: bytes | str = b"",
        json: Any = None,
    ) -> MemoryResponse:
        """Send one request on a new connection and return its response."""
        data = self._request_bytes(method, url, headers, content, json)
        return self.exchange(data, head=method.upper() == "HEAD")

    def request_deferred(
        self,
        method: str,
        url: str,
        *,
        headers: Headers | None = None,
        content: bytes | str = b"",
        json: Any = None,
    ) -> Any:
        """A Deferred of the response, for tests that run inside the reactor (pytest-twisted).

        Only on ``twisted`` and ``twisted-asyncio``: there the test cannot block while
        the reactor it runs in serves the request, so it awaits instead.
        """
        from twisted.internet import reactor
        from twisted.internet.defer import Deferred

        if self.loop.backend != "twisted":
            raise TypeError(f"request_deferred is for Twisted loops, not {self.loop.name}")
        state = self.state or self.start().state
        assert state is not None
        exchange = _Exchange(state, method.upper() == "HEAD")
        done: Deferred[MemoryResponse] = Deferred()

        def finished() -> None:
            if not done.called:
                exchange.connection.connection_lost()
                try:
                    done.callback(exchange.response())
                except AssertionError as error:
                    done.errback(error)

        exchange.begin(self._request_bytes(method, url, headers, content, json), finished)
        done.addTimeout(self.timeout, reactor)
        return done

    def _request_bytes(
        self,
        method: str,
        url: str,
        headers: Headers | None,
        content: bytes | str,
        json: Any,
    ) -> bytes:
        pairs = _pairs(headers)
        if json is not None:
            content = json_module.dumps(json).encode("utf-8")
            pairs.append(("content-type", "application/json"))
        body = content.encode("utf-8") if isinstance(content, str) else content
        lines = [f"{method} {url} HTTP/1.1"]
        names = {name.lower() for name, _ in pairs}
        if "host" not in names:
            lines.append(f"host: {self.host}")
        lines += [f"{name}: {value}" for name, value in pairs]
        if body and "content-length" not in names and "transfer-encoding" not in names:
            lines.append(f"content-length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    def exchange(self, data: bytes, head: bool = False) -> MemoryResponse:
        """Send raw request bytes on a new connection; the first response written back."""
        state = self.state or self.start().state
        assert state is not None
        exchange = _Exchange(state, head)
        try:
            self.loop.run(lambda wake: exchange.begin(data, wake), self.timeout)
        except MemoryTimeout:
            raise MemoryTimeout(
                f"no complete response within {self.timeout} s; written so far: "
                f"{exchange.transport.data[:500]!r}"
            ) from None
        finally:
            if exchange.started:
                self._disconnect(exchange.connection)
        return exchange.response()

    def _disconnect(self, connection: HttpConnection) -> None:
        def start(wake: Wake) -> None:
            connection.connection_lost()
            wake()

        self.loop.run(start, self.timeout)

    def get(self, url: str, **kwargs: Any) -> MemoryResponse:
        return self.request("GET", url, **kwargs)

    def head(self, url: str, **kwargs: Any) -> MemoryResponse:
        return self.request("HEAD", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> MemoryResponse:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> MemoryResponse:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> MemoryResponse:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> MemoryResponse:
        return self.request("DELETE", url, **kwargs)

    def options(self, url: str, **kwargs: Any) -> MemoryResponse:
        return self.request("OPTIONS", url, **kwargs)


class _Exchange:
    """One request on a connection of its own, and the response read back."""

    def __init__(self, state: ServerState, head: bool) -> None:
        self.state = state
        self.head = head
        self.transport = MemoryTransport()
        self.parsed: list[MemoryResponse] = []
        self.started = False

    def begin(self, data: bytes, wake: Wake) -> None:
        """Connect and send ``data`` (on the loop); ``wake()`` once a response is read."""

        def check() -> None:
            if not self.parsed:
                found = parse_response(self.transport.data, self.head, self.transport.closed)
                if found is not None:
                    self.parsed.append(found[0])
                    wake()
                elif self.transport.closed:
                    wake()

        self.transport.listener = check
        self.connection = HttpConnection(
            self.state, self.transport, server=SERVER_ADDRESS, client=CLIENT_ADDRESS
        )
        self.started = True
        self.connection.data_received(data)

    def response(self) -> MemoryResponse:
        if not self.parsed:
            raise AssertionError(
                f"the connection closed without a complete response: {self.transport.data[:500]!r}"
            )
        return self.parsed[0]


def _pairs(headers: Headers | None) -> list[tuple[str, str]]:
    if headers is None:
        return []
    if isinstance(headers, Mapping):
        return list(headers.items())
    return list(headers)

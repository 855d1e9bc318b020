"""``MemoryClient``: requests to an app through Albany's gateway on a real loop, no socket.

The client builds the ``ServerState`` and the ``AppRunner`` the chosen backend would
build, runs lifespan, and sends each request on a ``MemoryExchange`` of its own,
running the loop until the response written back is complete.
"""

from __future__ import annotations

from typing import Any, Callable

from albany.config import Config
from albany.errors import StartupError
from albany.gateway.connection import HttpConnection
from albany.gateway.server_state import ServerState
from albany.testing.live import loop_available
from albany.testing.loop_drivers import MemoryTimeout, Wake
from albany.testing.memory_connection import MemoryExchange
from albany.testing.memory_loops import (
    LoopUnavailable,
    MemoryLoops,
    default_loops,
    is_asyncio_reactor,
)
from albany.testing.memory_request import Headers, request_bytes
from albany.testing.memory_response import MemoryResponse


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
        from albany.serving import flavours_in

        if isinstance(app, str):
            app = import_from_string(app)
        self.app = app = as_albany_app(app)  # a Mount is an Albany app already: kept as is
        self.config = config or Config(access_log=False)
        self.timeout = timeout
        self.host = host
        self._loops = loops or default_loops()
        self.loop = self._loops.get(loop)
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
            if not is_asyncio_reactor(reactor) or asyncio_loop_of(reactor) is not (
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
        data = request_bytes(method, url, self.host, headers, content, json)
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
        exchange = MemoryExchange(state, method.upper() == "HEAD")
        done: Deferred[MemoryResponse] = Deferred()

        def finished() -> None:
            if not done.called:
                exchange.connection.connection_lost()
                try:
                    done.callback(exchange.response())
                except AssertionError as error:
                    done.errback(error)

        exchange.begin(request_bytes(method, url, self.host, headers, content, json), finished)
        done.addTimeout(self.timeout, reactor)
        return done

    def exchange(self, data: bytes, head: bool = False) -> MemoryResponse:
        """Send raw request bytes on a new connection; the first response written back."""
        state = self.state or self.start().state
        assert state is not None
        exchange = MemoryExchange(state, head)
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
        """A GET request; keyword arguments as for ``request``."""
        return self.request("GET", url, **kwargs)

    def head(self, url: str, **kwargs: Any) -> MemoryResponse:
        """A HEAD request; keyword arguments as for ``request``."""
        return self.request("HEAD", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> MemoryResponse:
        """A POST request; keyword arguments as for ``request``."""
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> MemoryResponse:
        """A PUT request; keyword arguments as for ``request``."""
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> MemoryResponse:
        """A PATCH request; keyword arguments as for ``request``."""
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> MemoryResponse:
        """A DELETE request; keyword arguments as for ``request``."""
        return self.request("DELETE", url, **kwargs)

    def options(self, url: str, **kwargs: Any) -> MemoryResponse:
        """An OPTIONS request; keyword arguments as for ``request``."""
        return self.request("OPTIONS", url, **kwargs)

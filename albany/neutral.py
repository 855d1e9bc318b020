"""Loop-neutral helpers: what a ``neutral`` app may await besides ``receive``/``send``.

One ``Helpers`` object is bound to one loop through a txaio per-loop API object
(``txaio.aio.with_config(loop=...)`` or ``txaio.tx.with_config()``); it reaches the
app as ``scope["extensions"]["albany"]["helpers"]``. The same app code then awaits
asyncio futures on asyncio and Deferreds under a Twisted reactor, never knowing which.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Iterable, Protocol, TypeVar

T = TypeVar("T")


class TxaioApi(Protocol):
    """The part of a txaio per-loop API object the helpers use."""

    def create_future(self) -> Any: ...
    def resolve(self, future: Any, result: Any = None) -> None: ...
    def reject(self, future: Any, error: Any = None) -> None: ...
    def call_later(self, delay: float, fun: Callable[..., Any], *args: Any) -> Any: ...
    def sleep(self, delay: float) -> Any: ...
    def gather(self, futures: list[Any], consume_exceptions: bool = True) -> Any: ...


class Helpers:
    """Futures, timers, gather and threads on the loop that serves the app."""

    def __init__(
        self,
        api: TxaioApi,
        ensure_future: Callable[[Awaitable[Any]], Any],
        run_in_thread: Callable[..., Any],
        loop_name: str,
        call_from_thread: Callable[..., Any],
    ) -> None:
        self._api = api
        self._ensure_future = ensure_future
        self._run_in_thread = run_in_thread
        self._call_from_thread = call_from_thread
        self.loop_name = loop_name
        """``"asyncio"`` or ``"twisted"``: which kind of future these helpers make."""

    def create_future(self) -> Any:
        """A new future of this loop (asyncio Future or Deferred), awaitable by the app."""
        return self._api.create_future()

    def resolve(self, future: Any, result: Any = None) -> None:
        """Complete ``future`` with ``result``."""
        self._api.resolve(future, result)

    def reject(self, future: Any, error: BaseException) -> None:
        """Fail ``future`` with ``error``."""
        self._api.reject(future, error)

    def sleep(self, delay: float) -> Awaitable[None]:
        """Wait ``delay`` seconds."""
        result: Awaitable[None] = self._api.sleep(delay)
        return result

    def call_later(self, delay: float, fun: Callable[..., Any], *args: Any) -> Any:
        """Call ``fun(*args)`` after ``delay`` seconds; the result has ``cancel()``."""
        return self._api.call_later(delay, fun, *args)

    def ensure_future(self, awaitable: Awaitable[T]) -> Any:
        """Run a coroutine (or wrap an awaitable) as a future of this loop."""
        return self._ensure_future(awaitable)

    async def gather(self, awaitables: Iterable[Awaitable[Any]]) -> list[Any]:
        """Wait for all; the results in order. The first failure is raised."""
        futures = [self._ensure_future(a) for a in awaitables]
        results: list[Any] = await self._api.gather(futures, consume_exceptions=False)
        return results

    def run_in_thread(self, fun: Callable[..., T], *args: Any) -> Awaitable[T]:
        """Run the blocking ``fun(*args)`` in the loop's thread pool."""
        result: Awaitable[T] = self._run_in_thread(fun, *args)
        return result

    def call_from_thread(self, fun: Callable[..., Any], *args: Any) -> None:
        """From another thread: call ``fun(*args)`` soon in the loop's thread."""
        self._call_from_thread(fun, *args)

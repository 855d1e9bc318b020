"""Fakes for driving the gateway by hand: no loop, no socket, no real time."""

from __future__ import annotations

from typing import Any, Callable, Coroutine, Generator

from albany.neutral import Helpers


class FakeTransport:
    """A ``Transport`` that records writes, pauses and closes."""

    def __init__(self, half_close: bool = False) -> None:
        self.written: list[bytes] = []
        self.reading = True
        self.closed = False
        self.pauses = 0
        self.half_close = half_close
        """Whether ``write_eof`` is offered; without it a transport closes (as TLS does)."""
        self.eof_written = False
        self.aborted = False

    def write(self, data: bytes) -> None:
        assert not self.closed, "write after close"
        self.written.append(data)

    def pause_reading(self) -> None:
        self.reading = False
        self.pauses += 1

    def resume_reading(self) -> None:
        self.reading = True

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = self.aborted = True

    def can_write_eof(self) -> bool:
        return self.half_close

    def write_eof(self) -> None:
        assert self.half_close and not self.closed, "write_eof not offered, or after close"
        self.eof_written = True

    def take(self) -> bytes:
        """Everything written since the last ``take``."""
        data = b"".join(self.written)
        self.written.clear()
        return data


class ManualTimer:
    def __init__(self, clock: ManualClock, when: float, callback: Callable[[], None]) -> None:
        self.when = when
        self.callback = callback
        self.cancelled = False
        self._clock = clock

    def cancel(self) -> None:
        self.cancelled = True


class ManualClock:
    """A ``Clock`` whose time moves only when ``advance`` is called."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start
        self.timers: list[ManualTimer] = []

    def time(self) -> float:
        return self.now

    def wall_time(self) -> float:
        return self.now

    def call_later(self, delay: float, callback: Callable[[], None]) -> ManualTimer:
        timer = ManualTimer(self, self.now + delay, callback)
        self.timers.append(timer)
        return timer

    def advance(self, seconds: float) -> None:
        """Move time forward, firing due timers in order (timers they set included)."""
        target = self.now + seconds
        while True:
            due = [t for t in self.timers if not t.cancelled and t.when <= target]
            if not due:
                break
            timer = min(due, key=lambda t: t.when)
            self.timers.remove(timer)
            self.now = max(self.now, timer.when)
            timer.callback()
        self.now = target


class FakeFuture:
    """An awaitable resolved by hand; ``FakeRunner`` steps coroutines waiting on it."""

    def __init__(self) -> None:
        self.done = False
        self.value: Any = None
        self._waiters: list[Callable[[], None]] = []

    def set(self, value: Any) -> None:
        self.done = True
        self.value = value
        waiters, self._waiters = self._waiters, []
        for wake in waiters:
            wake()

    def __await__(self) -> Generator[Any, None, Any]:
        if not self.done:
            yield self
        return self.value


class _FakeApi:
    def __init__(self, clock: ManualClock) -> None:
        self._clock = clock

    def create_future(self) -> FakeFuture:
        return FakeFuture()

    def resolve(self, future: FakeFuture, result: Any = None) -> None:
        future.set(result)

    def reject(self, future: FakeFuture, error: Any = None) -> None:
        future.set(error)

    def call_later(self, delay: float, fun: Callable[..., Any], *args: Any) -> ManualTimer:
        return self._clock.call_later(delay, lambda: fun(*args))

    def sleep(self, delay: float) -> FakeFuture:
        future = FakeFuture()
        self._clock.call_later(delay, lambda: future.set(None))
        return future

    def gather(self, futures: list[Any], consume_exceptions: bool = True) -> Any:
        raise NotImplementedError("gather is not faked")


class FakeRunner:
    """An ``AppRunner`` that steps app coroutines synchronously, no loop involved.

    A coroutine runs until it awaits an unresolved ``FakeFuture`` and continues,
    still synchronously, when that future is resolved.
    """

    def __init__(self, clock: ManualClock | None = None) -> None:
        self.clock = clock or ManualClock()
        api = _FakeApi(self.clock)
        self.helpers = Helpers(
            api, self._ensure, self._in_thread, loop_name="fake", call_from_thread=self._now
        )
        self.finished: list[BaseException | None] = []

    def create_future(self) -> FakeFuture:
        return FakeFuture()

    def resolve(self, future: FakeFuture, value: Any) -> None:
        if not future.done:
            future.set(value)

    def run(self, app: Any, scope: Any, task: Any) -> None:
        try:
            coroutine = app(scope, task.receive, task.send)
        except BaseException as error:  # noqa: BLE001
            task.app_finished(error)
            return
        self._step(coroutine, task.app_finished)

    def _step(
        self,
        coroutine: Coroutine[Any, Any, Any],
        done: Callable[[BaseException | None], None],
    ) -> None:
        try:
            awaited = coroutine.send(None)
        except StopIteration:
            done(None)
            return
        except BaseException as error:  # noqa: BLE001
            done(error)
            return
        assert isinstance(awaited, FakeFuture), f"FakeRunner cannot wait on {awaited!r}"
        awaited._waiters.append(lambda: self._step(coroutine, done))

    def _now(self, fun: Callable[..., Any], *args: Any) -> None:
        fun(*args)

    def _ensure(self, awaitable: Any) -> Any:
        return awaitable

    def _in_thread(self, fun: Callable[..., Any], *args: Any) -> FakeFuture:
        future = FakeFuture()
        future.set(fun(*args))
        return future

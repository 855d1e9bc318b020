"""What the gateway needs from a backend, as ``typing.Protocol`` contracts.

A backend hands the gateway a ``Transport`` for each connection, one ``Clock``, and,
for each app flavour, an ``AppRunner`` that drives the app's coroutines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Protocol

if TYPE_CHECKING:
    from albany.neutral import Helpers
    from albany.types import App


class Transport(Protocol):
    """One connection's byte stream, as the gateway drives it."""

    def write(self, data: bytes) -> None:
        """Queue ``data``; the backend tells the gateway when it is over its high-water mark."""

    def pause_reading(self) -> None:
        """Stop delivering received data until ``resume_reading``."""

    def resume_reading(self) -> None:
        """Deliver received data again."""

    def close(self) -> None:
        """Close once queued data is written; the backend then reports the loss."""

    def abort(self) -> None:
        """Close at once, dropping queued data; the backend then reports the loss."""

    def can_write_eof(self) -> bool:
        """Whether ``write_eof`` can shut the write side alone (not over TLS)."""

    def write_eof(self) -> None:
        """Shut the write side once queued data is written, and keep delivering received data."""


class Timer(Protocol):
    def cancel(self) -> None:
        """Stop the timer; no effect once it has fired."""


class Clock(Protocol):
    """Time, injected so that tests advance it by hand."""

    def time(self) -> float:
        """Monotonic seconds, for timeouts."""

    def wall_time(self) -> float:
        """Seconds since the epoch, for the Date header."""

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        """Call ``callback`` after ``delay`` seconds."""


class AppTask(Protocol):
    """What the gateway keeps of a running app call."""

    def app_finished(self, error: BaseException | None) -> None:
        """The app's awaitable completed (``error`` is None) or failed."""


class AppRunner(Protocol):
    """Drives an app of one flavour on one loop: futures, coroutines and helpers."""

    helpers: Helpers

    def create_future(self) -> Any:
        """A future the app's coroutine can await (asyncio Future or Deferred)."""

    def resolve(self, future: Any, value: Any) -> None:
        """Complete ``future`` with ``value`` unless it is already done."""

    def run(self, app: App, scope: Any, task: Any) -> None:
        """Call ``app(scope, task.receive, task.send)`` and report the end to ``task``."""

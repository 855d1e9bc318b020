"""The gateway's clock over a Twisted reactor."""

from __future__ import annotations

import time
from typing import Any, Callable


class TwistedTimer:
    """A ``Timer`` over a ``DelayedCall``: cancelling one that has fired does nothing."""

    __slots__ = ("_call",)

    def __init__(self, call: Any) -> None:
        self._call = call

    def cancel(self) -> None:
        if self._call.active():  # Twisted raises AlreadyCalled otherwise
            self._call.cancel()


class TwistedClock:
    """``Clock`` on a reactor's ``seconds`` and ``callLater``."""

    __slots__ = ("time", "_reactor")

    def __init__(self, reactor: Any) -> None:
        self._reactor = reactor
        self.time = reactor.seconds

    def wall_time(self) -> float:
        return time.time()

    def call_later(self, delay: float, callback: Callable[[], None]) -> TwistedTimer:
        return TwistedTimer(self._reactor.callLater(delay, callback))

"""The gateway's clock over a Twisted reactor."""

from __future__ import annotations

import time
from typing import Any, Callable


class TwistedClock:
    """``Clock`` on a reactor's ``seconds`` and ``callLater``."""

    __slots__ = ("time", "_reactor")

    def __init__(self, reactor: Any) -> None:
        self._reactor = reactor
        self.time = reactor.seconds

    def wall_time(self) -> float:
        return time.time()

    def call_later(self, delay: float, callback: Callable[[], None]) -> Any:
        return self._reactor.callLater(delay, callback)

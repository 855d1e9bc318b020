"""The gateway's clock over an asyncio loop."""

from __future__ import annotations

import asyncio
import time
from typing import Callable


class AsyncioClock:
    """``Clock`` on an asyncio loop's ``time`` and ``call_later``."""

    __slots__ = ("time", "_loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.time = loop.time

    def wall_time(self) -> float:
        return time.time()

    def call_later(self, delay: float, callback: Callable[[], None]) -> asyncio.TimerHandle:
        return self._loop.call_later(delay, callback)

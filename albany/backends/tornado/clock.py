"""The gateway's clock over Tornado's IOLoop."""

from __future__ import annotations

import time
from typing import Any, Callable

from tornado.ioloop import IOLoop


class TornadoTimer:
    """A ``Timer`` over an IOLoop timeout handle."""

    __slots__ = ("_io_loop", "_handle")

    def __init__(self, io_loop: IOLoop, handle: Any) -> None:
        self._io_loop = io_loop
        self._handle = handle

    def cancel(self) -> None:
        self._io_loop.remove_timeout(self._handle)


class TornadoClock:
    """``Clock`` on an IOLoop's ``time`` and ``call_later``."""

    __slots__ = ("time", "_io_loop")

    def __init__(self, io_loop: IOLoop) -> None:
        self._io_loop = io_loop
        self.time = io_loop.time

    def wall_time(self) -> float:
        return time.time()

    def call_later(self, delay: float, callback: Callable[[], None]) -> TornadoTimer:
        return TornadoTimer(self._io_loop, self._io_loop.call_later(delay, callback))

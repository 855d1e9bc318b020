"""A worker's heartbeat: a call on the worker's own loop, every ``interval`` seconds.

It runs through the server's ``Clock``, so it is the same on every backend, and it stops
beating exactly when the loop is blocked: that is what the supervisor watches for.
"""

from __future__ import annotations

from typing import Callable

from albany.gateway.server_state import ServerState


def beat_interval(timeout: float) -> float:
    """How often to beat for a supervisor that waits ``timeout`` seconds (0: no check)."""
    if timeout <= 0:
        return 1.0
    return min(max(timeout / 4, 0.05), 1.0)


def start_heartbeat(state: ServerState, interval: float, beat: Callable[[], None]) -> None:
    """Call ``beat()`` now and every ``interval`` seconds on ``state``'s loop."""
    clock = state.clock

    def tick() -> None:
        beat()
        clock.call_later(interval, tick)

    tick()

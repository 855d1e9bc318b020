"""Each backend's clock keeps the gateway's ``Timer`` contract: cancel after firing is a no-op.

The WebSocket session and the connection cancel a timer from inside its own callback (a
keepalive ping arms the next timer); Twisted's ``DelayedCall`` raises there on its own.
"""

from __future__ import annotations

import asyncio

import pytest


def test_twisted_timer_cancel_after_firing_does_nothing() -> None:
    pytest.importorskip("twisted")
    from twisted.internet.task import Clock

    from albany.backends.twisted.clock import TwistedClock

    reactor = Clock()
    clock = TwistedClock(reactor)
    fired: list[str] = []
    timers = {}
    timers["first"] = clock.call_later(
        1.0, lambda: (fired.append("first"), timers["first"].cancel())
    )
    stopped = clock.call_later(2.0, lambda: fired.append("stopped"))
    stopped.cancel()
    reactor.advance(3.0)
    timers["first"].cancel()  # and again, from outside
    assert fired == ["first"]


def test_asyncio_timer_cancel_after_firing_does_nothing() -> None:
    from albany.backends.asyncio.clock import AsyncioClock

    loop = asyncio.new_event_loop()
    try:
        clock = AsyncioClock(loop)
        fired: list[str] = []
        timer = clock.call_later(0.0, lambda: fired.append("first"))
        stopped = clock.call_later(0.0, lambda: fired.append("stopped"))
        stopped.cancel()
        loop.run_until_complete(asyncio.sleep(0.01))
        timer.cancel()
        assert fired == ["first"]
    finally:
        loop.close()


def test_tornado_timer_cancel_after_firing_does_nothing() -> None:
    pytest.importorskip("tornado")
    from tornado.ioloop import IOLoop

    from albany.backends.tornado.clock import TornadoClock

    io_loop = IOLoop(make_current=False)
    try:
        clock = TornadoClock(io_loop)
        fired: list[str] = []
        timer = clock.call_later(0.0, lambda: fired.append("first"))
        stopped = clock.call_later(0.0, lambda: fired.append("stopped"))
        stopped.cancel()
        io_loop.run_sync(lambda: asyncio.sleep(0.01))
        timer.cancel()
        assert fired == ["first"]
    finally:
        io_loop.close()

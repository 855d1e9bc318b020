"""The drop-in ``Site`` built on a test clock (``reactor=Clock()``, ``MemoryReactorClock``).

As treq's ``StubTreq`` and many a twisted.web test build a site: the connection's timers
run on that clock, and what a clock lacks (``callFromThread``, a thread pool) comes from
the installed reactor. Fed through an in-memory transport, no reactor runs.
"""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("twisted")

from twisted.internet.task import Clock  # noqa: E402
from twisted.internet.testing import MemoryReactorClock, StringTransport  # noqa: E402
from twisted.web.resource import Resource  # noqa: E402

from albany_twisted_web import Site  # noqa: E402


class Hello(Resource):
    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        return b"hello " + bytes(request.uri)


@pytest.mark.parametrize("make_clock", [Clock, MemoryReactorClock])
def test_site_on_a_test_clock_serves_and_times_out_on_it(make_clock: Any) -> None:
    clock = make_clock()
    site = Site(Hello(), reactor=clock, timeout=30)  # type: ignore[no-untyped-call]
    protocol = site.buildProtocol(None)
    transport: Any = StringTransport()  # type: ignore[no-untyped-call]
    protocol.makeConnection(transport)
    protocol.dataReceived(b"GET /x HTTP/1.1\r\nHost: a\r\n\r\n")
    response: bytes = transport.value()
    assert response.startswith(b"HTTP/1.1 200 OK\r\n")
    assert response.endswith(b"\r\n\r\nhello /x")
    assert not transport.disconnecting
    clock.advance(31)  # the keep-alive timeout, on the site's clock
    assert transport.disconnecting
    protocol.connectionLost(None)
    assert clock.getDelayedCalls() == []  # nothing left pending once the connection is gone

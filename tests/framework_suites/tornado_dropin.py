"""A pytest plugin that puts ``albany_tornado.HTTPServer`` in place of Tornado's server.

Loaded with ``-p tests.framework_suites.tornado_dropin`` into a run of Tornado's own
tests; ``ALBANY_TORNADO_BACKEND`` names the Albany backend (asyncio, tornado, twisted).
Without it the plugin only sets up logging as Tornado's runner does: that run is
Tornado's own server, the reference.

Tornado's test modules take ``HTTPServer`` from ``tornado.httpserver`` (directly, or
through ``tornado.testing`` and ``Application.listen``), so the name is replaced in those
modules before any test module is imported. On ``twisted`` Twisted's asyncio reactor can
host one asyncio loop per process, so every test runs on that one loop, not a new one each.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

BACKEND = os.environ.get("ALBANY_TORNADO_BACKEND", "")


def pytest_configure(config: Any) -> None:
    # as tornado.test.runtests sets up every run: the tests expect no access log lines
    logging.getLogger("tornado.access").setLevel(logging.CRITICAL)
    if not BACKEND:
        return
    import tornado.httpserver
    import tornado.testing
    import tornado.web

    from albany_tornado import HTTPServer

    class DropInServer(HTTPServer):
        """``albany_tornado.HTTPServer`` on the backend this run is for."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("backend", BACKEND)
            super().__init__(*args, **kwargs)

    for module in (tornado.httpserver, tornado.testing, tornado.web):
        module.HTTPServer = DropInServer  # type: ignore[attr-defined, misc]
    if BACKEND == "twisted":
        _share_one_loop()


def _share_one_loop() -> None:
    """Every ``AsyncTestCase`` gets an ``IOLoop`` over the one loop the reactor is on."""
    from tornado.ioloop import IOLoop
    from tornado.testing import AsyncTestCase

    from albany.backends.twisted.reactors import asyncio_reactor_on

    shared = asyncio.new_event_loop()
    asyncio_reactor_on(shared)

    def get_new_ioloop(self: AsyncTestCase) -> IOLoop:
        asyncio.set_event_loop(shared)
        return IOLoop.current()  # an AsyncIOMainLoop: tearDown leaves the loop open

    AsyncTestCase.get_new_ioloop = get_new_ioloop  # type: ignore[method-assign]

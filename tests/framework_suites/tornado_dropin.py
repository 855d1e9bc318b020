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


OWN_LOOP_MODULES = frozenset({"tornado.test.asyncio_test", "tornado.test.gen_test"})
"""Modules testing Tornado's loop integration itself: their tests that start no server
(not an ``AsyncHTTPTestCase``) keep a new loop each."""


def _share_one_loop() -> None:
    """Every ``AsyncTestCase`` gets an ``IOLoop`` over the one loop the reactor is on, but
    the loop tests of ``OWN_LOOP_MODULES``."""
    from tornado.ioloop import IOLoop
    from tornado.testing import AsyncHTTPTestCase, AsyncTestCase

    from albany.backends.twisted.reactors import asyncio_reactor_on

    shared = asyncio.new_event_loop()
    asyncio_reactor_on(shared)
    own_loop = AsyncTestCase.get_new_ioloop
    _SUFFIXES = tuple(name.rpartition(".")[2] for name in OWN_LOOP_MODULES)

    def get_new_ioloop(self: AsyncTestCase) -> IOLoop:
        if type(self).__module__.endswith(_SUFFIXES) and not isinstance(self, AsyncHTTPTestCase):
            return own_loop(self)
        asyncio.set_event_loop(shared)
        return IOLoop.current()  # an AsyncIOMainLoop: tearDown leaves the loop open

    AsyncTestCase.get_new_ioloop = get_new_ioloop  # type: ignore[method-assign]

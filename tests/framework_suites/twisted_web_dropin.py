"""A pytest plugin that runs twisted.web's own tests on a chosen reactor, with Albany's ``Site``.

Loaded with ``-p tests.framework_suites.twisted_web_dropin`` into a run of the
``twisted.web.test`` modules. ``ALBANY_TWISTED_WEB_REACTOR=asyncio`` installs Twisted's
asyncio reactor first (else the default reactor is used); ``ALBANY_TWISTED_WEB_SITE=albany``
puts ``albany_twisted_web.Site`` in place of ``twisted.web.server.Site`` before any test
module is imported, so every ``server.Site(...)`` and ``from twisted.web.server import Site``
in the tests builds the drop-in. Without it the run is Twisted's own ``Site``, the reference.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

REACTOR = os.environ.get("ALBANY_TWISTED_WEB_REACTOR", "default")
SITE = os.environ.get("ALBANY_TWISTED_WEB_SITE", "twisted")


def pytest_configure(config: Any) -> None:
    if REACTOR == "asyncio":
        from twisted.internet import asyncioreactor

        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        asyncioreactor.install(loop)  # type: ignore[no-untyped-call]
    if SITE == "albany":
        import twisted.web.server

        from albany_twisted_web import Site

        twisted.web.server.Site = Site  # type: ignore[misc]

"""The Tornado hello-world as an application object, for Albany to serve.

``albany benchmarks.apps.tornado_hello:application --loop uvloop`` serves the very
``RequestHandler`` that ``benchmarks.apps.tornado_web`` serves with Tornado's own
``HTTPServer`` (access log off in both), through ``albany_tornado``.
"""

from __future__ import annotations

from tornado.web import Application

from benchmarks.apps.tornado_web import Hello, no_access_log

application = Application([(r"/.*", Hello)], log_function=no_access_log)

"""The showcase ``scripts/demo`` serves: apps of six kinds on one port, on any loop.

====================  ====================================================
``/``                 Albany's own neutral app: the index, helpers at work
``/legacy``           a twisted.web resource tree
``/tornado``          a Tornado application
``/aiohttp``          an aiohttp application
``/flask``            a Flask (WSGI) application
``/starlette``        a Starlette (ASGI) application
====================  ====================================================

Each framework that has a WebSocket API answers one at ``/ws`` under its prefix (and the
neutral app at ``/ws``); ``/websocket`` is a page that talks to all of them.
"""

from __future__ import annotations

import albany
from examples.showcase import aiohttp_part, flask_part, home, starlette_part, tornado_part
from examples.showcase.legacy_twisted import root as legacy_root
from examples.showcase.served_by import served_by

app = albany.Mount(
    {
        "/legacy": served_by(legacy_root),
        "/tornado": served_by(tornado_part.application),
        "/aiohttp": served_by(aiohttp_part.application),
        "/flask": served_by(flask_part.application),
        "/starlette": served_by(starlette_part.application),
        "/": home.app,
    }
)

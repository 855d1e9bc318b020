"""The request cycle, loop-neutral and synchronous: HTTP/1.1 events to ``receive``/``send``.

Backends feed transport events into ``HttpConnection``; futures come from the
``AppRunner`` of the app's flavour, time from an injected ``Clock``.
"""

from albany.gateway.connection import HttpConnection
from albany.gateway.cycle import ClientDisconnected, RequestCycle
from albany.gateway.interfaces import AppRunner, Clock, Timer, Transport
from albany.gateway.lifespan import Lifespan
from albany.gateway.server_state import ServerState

__all__ = [
    "AppRunner",
    "ClientDisconnected",
    "Clock",
    "HttpConnection",
    "Lifespan",
    "RequestCycle",
    "ServerState",
    "Timer",
    "Transport",
]

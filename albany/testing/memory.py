"""The in-memory client: an app driven through Albany's gateway on a real loop, no socket.

``MemoryClient(app, "tornado").get("/")`` builds the ``ServerState`` and the
``AppRunner`` the chosen backend would build, feeds request bytes to an
``HttpConnection`` over a ``MemoryTransport``, and runs the loop until the response
written back is complete. Everything but the socket is real: the gateway, the
runner of the app's flavour, the loop's clock and thread pool, lifespan.

This module gathers the client's names from where they live:

- ``memory_client`` — ``MemoryClient``, the client API;
- ``memory_loops`` — ``MemoryLoops``, the loops it runs on and Twisted's one reactor;
- ``loop_drivers`` — running a loop or reactor until woken, ``MemoryTimeout``;
- ``memory_connection`` — ``MemoryTransport`` and one request's connection;
- ``memory_request`` — the request bytes sent;
- ``memory_response`` and ``response_parser`` — ``MemoryResponse`` and reading it back.
"""

from albany.testing.loop_drivers import MemoryTimeout, Start, Wake
from albany.testing.memory_client import MemoryClient
from albany.testing.memory_connection import CLIENT_ADDRESS, SERVER_ADDRESS, MemoryTransport
from albany.testing.memory_loops import LoopUnavailable, MemoryLoop, MemoryLoops, default_loops
from albany.testing.memory_request import Headers
from albany.testing.memory_response import MemoryResponse, ResponseHeaders
from albany.testing.response_parser import parse_response

__all__ = [
    "CLIENT_ADDRESS",
    "SERVER_ADDRESS",
    "Headers",
    "LoopUnavailable",
    "MemoryClient",
    "MemoryLoop",
    "MemoryLoops",
    "MemoryResponse",
    "MemoryTimeout",
    "MemoryTransport",
    "ResponseHeaders",
    "Start",
    "Wake",
    "default_loops",
    "parse_response",
]

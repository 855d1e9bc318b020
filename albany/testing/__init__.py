"""Albany's test kit: run a test suite on every loop, in memory or over real sockets.

- ``albany.testing.plugin`` — the pytest plugin (loaded through the ``pytest11`` entry
  point): the ``albany_loop`` parametrisation, the ``albany_loops`` marker, and fixtures
  for live servers, their clients and the in-memory client.
- ``MemoryClient`` drives an app through the gateway on a real loop, with no socket.
- ``LiveServer`` runs ``albany`` in a subprocess on 127.0.0.1 on the loop you name;
  ``ServerPool`` shares them across tests.
- ``FakeTransport`` records what the gateway writes, pauses and closes; ``ManualClock``
  is advanced by hand; ``FakeRunner`` drives app coroutines with no loop at all.

Importing this package imports no loop and no framework.
"""

from albany.testing.fakes import FakeRunner, FakeTransport, ManualClock
from albany.testing.live import LOOPS, LiveServer, loop_arguments, loop_available
from albany.testing.memory import (
    LoopUnavailable,
    MemoryClient,
    MemoryLoops,
    MemoryResponse,
    MemoryTimeout,
)
from albany.testing.options import chosen_loops
from albany.testing.pool import ServerPool

__all__ = [
    "LOOPS",
    "FakeRunner",
    "FakeTransport",
    "LiveServer",
    "LoopUnavailable",
    "ManualClock",
    "MemoryClient",
    "MemoryLoops",
    "MemoryResponse",
    "MemoryTimeout",
    "ServerPool",
    "chosen_loops",
    "loop_arguments",
    "loop_available",
]

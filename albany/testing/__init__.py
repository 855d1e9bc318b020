"""Albany's test kit: fakes for the sans-IO layers and real servers on loopback.

``FakeTransport`` records what the gateway writes, pauses and closes; ``ManualClock``
is advanced by hand; ``FakeRunner`` drives app coroutines with no loop at all;
``LiveServer`` runs ``albany`` in a subprocess on 127.0.0.1 on the loop you name.
"""

from albany.testing.fakes import FakeRunner, FakeTransport, ManualClock
from albany.testing.live import LOOPS, LiveServer, loop_arguments, loop_available

__all__ = [
    "LOOPS",
    "FakeRunner",
    "FakeTransport",
    "LiveServer",
    "ManualClock",
    "loop_arguments",
    "loop_available",
]

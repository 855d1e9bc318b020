"""One package per loop; each mirrors the others file for file.

========== ===============================================================
module     holds
========== ===============================================================
clock      the ``Clock`` over the loop's timers
runner     the ``AppRunner`` of each flavour on this loop (cross-flavour rule)
protocol   per-connection glue: loop transport events to ``HttpConnection``
server     a server object that starts and stops inside a running loop
main       ``serve``: own the loop, handle signals, run until stopped
========== ===============================================================

A backend is the only place that imports its loop.
"""

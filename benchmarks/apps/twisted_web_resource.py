"""The twisted.web benchmark resource for Albany (``benchmarks.apps.twisted_web_resource:root``).

The same leaf ``Hello`` resource that ``benchmarks.apps.twisted_web`` serves with
twisted.web's own ``Site``, so the twisted_web suite compares servers, not resources.
"""

from __future__ import annotations

from benchmarks.apps.twisted_web import Hello

root = Hello()  # type: ignore[no-untyped-call]

"""Albany: one calling interface between HTTP and web logic, served on every loop.

``import albany`` needs no loop or framework; the backends import theirs when chosen.
"""

from typing import Any

from albany.config import Config
from albany.errors import MissingDependency, StartupError
from albany.flavour import flavour, flavour_of
from albany.gateway.cycle import ClientDisconnected
from albany.http1.limits import Limits
from albany.mount import Mount
from albany.neutral import Helpers
from albany.serving import run
from albany.spec import SPEC_VERSION

__version__ = "0.1.0"


def as_asgi(app: Any) -> Any:
    """An Albany app of any kind and flavour as a plain asyncio ASGI app (uvicorn, daphne…)."""
    from albany.backends.asyncio.guest import as_asgi as wrap

    return wrap(app)


__all__ = [
    "ClientDisconnected",
    "Config",
    "Helpers",
    "Limits",
    "MissingDependency",
    "Mount",
    "SPEC_VERSION",
    "StartupError",
    "__version__",
    "as_asgi",
    "flavour",
    "flavour_of",
    "run",
]

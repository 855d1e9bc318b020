"""Albany's loggers: ``albany.error`` for the server, ``albany.access`` one line per response."""

from __future__ import annotations

import logging


def configure_logging(level: str, access_log: bool) -> None:
    """Albany's loggers to stderr; ``albany.access`` only when the access log is on."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s:     %(message)s"))
    root = logging.getLogger("albany")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
    logging.getLogger("albany.access").disabled = not access_log

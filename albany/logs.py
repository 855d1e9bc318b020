"""Albany's loggers: ``albany.error`` for the server, ``albany.access`` one line per response."""

from __future__ import annotations

import logging
import os


def configure_logging(level: str, access_log: bool) -> None:
    """Albany's loggers to stderr; ``albany.access`` only when the access log is on."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s:     %(message)s"))
    root = logging.getLogger("albany")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
    logging.getLogger("albany.access").disabled = not access_log


def apply_log_config(path: str) -> None:
    """``--log-config``: a ``logging.config.dictConfig`` dict in a ``.json`` file, or a
    ``fileConfig`` ``.ini`` (any other name) file; loggers it leaves out keep working."""
    import json
    import logging.config

    if path.endswith(".json"):
        with open(path, encoding="utf-8") as file:
            config = json.load(file)
        if not isinstance(config, dict):
            raise ValueError("a .json log config is one dictConfig object")
        config.setdefault("version", 1)
        config.setdefault("disable_existing_loggers", False)
        logging.config.dictConfig(config)
    else:
        if not os.path.exists(path):
            raise FileNotFoundError(f"No such file: {path}")
        logging.config.fileConfig(path, disable_existing_loggers=False)

"""Worker processes: Albany's own supervisor (``albany APP --workers N``) and gunicorn worker
classes (``gunicorn -k albany.workers.UvloopWorker``).

Importing this package imports neither gunicorn nor a loop: the worker classes are loaded
when first named (``albany/workers/gunicorn_workers.py``).
"""

from __future__ import annotations

from typing import Any

GUNICORN_WORKERS = (
    "UvloopWorker",
    "AsyncioWorker",
    "TwistedWorker",
    "TwistedAsyncioWorker",
    "TornadoWorker",
)


def __getattr__(name: str) -> Any:
    if name in GUNICORN_WORKERS:
        from albany.workers import gunicorn_workers

        return getattr(gunicorn_workers, name)
    raise AttributeError(f"module 'albany.workers' has no attribute {name!r}")


__all__ = list(GUNICORN_WORKERS)

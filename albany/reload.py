"""``--reload``: serve from a child process and start a fresh one when a watched file changes.

For development. The reloading process binds the listening socket once and hands it to each
child (``ALBANY_RELOAD_FD``), so connections made during a restart wait in the backlog and the
port never changes. A change (``watchfiles``, ``*.py`` by default, under ``--reload-dir`` or
the current directory) stops the child with SIGTERM, as a graceful shutdown, then starts the
next. SIGINT/SIGTERM stop the child and the reloader.
"""

from __future__ import annotations

import fnmatch
import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Sequence

from albany.config import Config
from albany.errors import require
from albany.sockets import bind_socket

logger = logging.getLogger("albany.error")

FD_VARIABLE = "ALBANY_RELOAD_FD"
"""Set in a child's environment: the listening socket it serves on (it does not reload)."""

DEFAULT_INCLUDES = ("*.py",)
DEFAULT_EXCLUDES = (".*", ".py[cod]", ".sw.*", "~*", "__pycache__")


class ReloadFilter:
    """Which changed paths restart the server: a file name matching an include pattern,
    no part of the path matching an exclude pattern."""

    def __init__(self, includes: Sequence[str], excludes: Sequence[str]) -> None:
        self.includes = tuple(includes) or DEFAULT_INCLUDES
        self.excludes = tuple(excludes) + DEFAULT_EXCLUDES

    def __call__(self, change: object, path: str) -> bool:
        parts = Path(path).parts
        if any(fnmatch.fnmatch(part, pattern) for part in parts for pattern in self.excludes):
            return False
        return any(fnmatch.fnmatch(parts[-1], pattern) for pattern in self.includes)


def run_reloader(
    argv: Sequence[str],
    config: Config,
    directories: Sequence[str],
    includes: Sequence[str],
    excludes: Sequence[str],
) -> int:
    """Serve ``albany ARGV`` from child processes until SIGINT/SIGTERM; the exit status."""
    require("watchfiles", "reload", "watchfiles (for --reload)")
    import watchfiles

    sock = bind_socket(config)
    sock.set_inheritable(True)
    stop = threading.Event()
    watched = [os.path.abspath(d) for d in directories] or [os.getcwd()]
    logger.info("Reloading on changes under %s", ", ".join(watched))

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, on_signal)
    command = [sys.executable, "-m", "albany", *argv]
    env = dict(os.environ, **{FD_VARIABLE: str(sock.fileno())})
    changes = watchfiles.watch(
        *watched,
        watch_filter=ReloadFilter(includes, excludes),
        stop_event=stop,
        yield_on_timeout=False,
    )
    child = subprocess.Popen(command, env=env, pass_fds=[sock.fileno()])
    try:
        for changed in changes:
            names = sorted({os.path.relpath(path) for _, path in changed})
            logger.warning("Reloading: %s changed", ", ".join(names))
            _stop(child, config.timeout_graceful_shutdown)
            child = subprocess.Popen(command, env=env, pass_fds=[sock.fileno()])
    finally:
        _stop(child, config.timeout_graceful_shutdown)
        sock.close()
    return 0


def _stop(child: subprocess.Popen[bytes], timeout: float | None) -> None:
    if child.poll() is None:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(None if timeout is None else timeout + 5)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()

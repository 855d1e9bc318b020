"""A real Albany server in a subprocess on 127.0.0.1, on the loop you name.

A subprocess per server keeps loops apart: Twisted allows one reactor per process,
so the epoll reactor and the asyncio reactor cannot meet in one test process.
"""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import subprocess
import sys
import threading
from typing import Sequence

LOOPS = ("asyncio", "uvloop", "twisted", "twisted-asyncio", "tornado")
"""Every loop a test can run on; ``twisted`` lets Albany pick the reactor."""

_LOOP_ARGS = {
    "asyncio": ["--loop", "asyncio"],
    "uvloop": ["--loop", "uvloop"],
    "twisted": ["--loop", "twisted"],
    "twisted-asyncio": ["--loop", "twisted", "--reactor", "asyncio"],
    "tornado": ["--loop", "tornado"],
}
_LOOP_NEEDS = {
    "uvloop": "uvloop",
    "twisted": "twisted",
    "twisted-asyncio": "twisted",
    "tornado": "tornado",
}
_SERVING = re.compile(r"serving on https?://[^\s:]+:(\d+)|serving on (unix:\S+)")


def loop_arguments(loop: str) -> list[str]:
    """The ``albany`` options that select ``loop`` (``--loop``, and ``--reactor`` where needed)."""
    return list(_LOOP_ARGS[loop])


def loop_package(loop: str) -> str | None:
    """The package ``loop`` needs besides the standard library (``twisted-asyncio``: twisted)."""
    return _LOOP_NEEDS.get(loop)


def loop_available(loop: str) -> bool:
    """Whether the packages ``loop`` needs are installed."""
    needed = _LOOP_NEEDS.get(loop)
    return needed is None or importlib.util.find_spec(needed) is not None


class LiveServer:
    """``albany APP --loop …`` in a subprocess; ``start`` waits until it listens.

    With ``app=""`` the arguments name what to serve (``--mount PREFIX=MODULE:ATTR``).
    """

    def __init__(
        self,
        app: str,
        loop: str,
        args: Sequence[str] = (),
        app_dir: str | None = None,
        env: dict[str, str] | None = None,
        pass_fds: Sequence[int] = (),
    ) -> None:
        if loop not in _LOOP_ARGS:
            raise ValueError(f"Unknown loop {loop!r}; expected one of {', '.join(LOOPS)}")
        self.app = app
        self.loop = loop
        self.host = "127.0.0.1"
        self.port = 0
        self._args = list(args)
        self._app_dir = app_dir
        self._env = env
        self._pass_fds = tuple(pass_fds)
        self._lines: list[str] = []
        self._listening = threading.Event()
        self._serving = False
        self._process: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{self.host}:{self.port}"

    @property
    def process(self) -> subprocess.Popen[str]:
        assert self._process is not None, "start() first"
        return self._process

    def command(self) -> list[str]:
        """The command line the server runs with."""
        command = [sys.executable, "-m", "albany", *([self.app] if self.app else [])]
        command += _LOOP_ARGS[self.loop]
        if not any(a in ("--uds", "--fd", "--port") for a in self._args):
            command += ["--host", self.host, "--port", "0"]
        if self._app_dir is not None:
            command += ["--app-dir", self._app_dir]
        return command + self._args

    def start(self, timeout: float = 20.0) -> LiveServer:
        """Start and wait for the "serving on" line; raise with the output if it never comes."""
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **(self._env or {})}
        self._process = subprocess.Popen(
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            pass_fds=self._pass_fds,
        )
        self._reader = threading.Thread(target=self._read_output, daemon=True)
        self._reader.start()
        if not self._listening.wait(timeout) or not self._serving:
            self.stop()
            raise RuntimeError(f"Server did not start: {' '.join(self.command())}\n{self.output()}")
        return self

    def _read_output(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        for line in stream:
            self._lines.append(line)
            match = _SERVING.search(line)
            if match and not self._listening.is_set():
                if match.group(1):
                    self.port = int(match.group(1))
                self._serving = True
                self._listening.set()
        self._listening.set()

    def output(self) -> str:
        """What the server printed so far (stdout and stderr)."""
        return "".join(self._lines)

    def signal(self, signum: int = signal.SIGTERM) -> None:
        """Send ``signum`` to the server process."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signum)

    def wait(self, timeout: float = 15.0) -> int:
        """Wait for the process to exit; its exit status."""
        code = self.process.wait(timeout)
        if self._reader is not None:
            self._reader.join(timeout)
        if self.process.stdout is not None and (
            self._reader is None or not self._reader.is_alive()
        ):
            self.process.stdout.close()
        return code

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, then wait (SIGKILL after ``timeout``); the exit status."""
        if self._process is None:
            return None
        self.signal(signal.SIGTERM)
        try:
            return self.wait(timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            return self.wait(timeout)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

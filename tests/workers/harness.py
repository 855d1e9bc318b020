"""A supervised Albany in a subprocess, its output watched line by line, and a load loop."""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import threading
from collections import Counter
from typing import Sequence

from albany.testing.live import loop_arguments

from ..conftest import ROOT_DIR

WAIT = 60.0
"""The most any event is waited for: a bound, so a broken supervisor fails instead of hanging."""
SERVING = re.compile(r"supervisor (\d+) serving on (?:https?://127\.0\.0\.1:(\d+)|unix:)")
WORKER_SERVING = re.compile(r"Worker (\d+) is serving")


class Supervised:
    """``python -m albany APP --workers N …`` on 127.0.0.1, port 0."""

    def __init__(
        self,
        app: str | None,
        loop: str | None,
        args: Sequence[str] = (),
        pass_fds: Sequence[int] = (),
    ) -> None:
        self.pass_fds = tuple(pass_fds)
        self.command = [sys.executable, "-m", "albany", *([app] if app else [])]
        if not any(option in args for option in ("--uds", "--fd")):
            self.command += ["--host", "127.0.0.1", "--port", "0"]
        self.command += ["--no-access-log"]
        self.command += loop_arguments(loop) if loop else []
        self.command += list(args)
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self.port = 0
        self.process: subprocess.Popen[str] | None = None

    def start(self, wait: bool = True) -> Supervised:
        """Start; with ``wait``, until the supervisor says every worker serves."""
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT_DIR,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            pass_fds=self.pass_fds,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if wait:
            match = self.wait_for(SERVING)
            self.port = int(match.group(2) or 0)
        return self

    def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self.lines.append("")  # the end
            self._changed.notify_all()

    def wait_for(self, pattern: re.Pattern[str] | str, count: int = 1) -> re.Match[str]:
        """The ``count``-th output line matching ``pattern`` (waiting for it); its match."""
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        with self._changed:
            ok = self._changed.wait_for(
                lambda: len(self.matches(regex)) >= count or (self.lines and self.lines[-1] == ""),
                WAIT,
            )
            found = self.matches(regex)
        if not ok or len(found) < count:
            raise AssertionError(f"no {count} lines matching {regex.pattern!r}:\n{self.output()}")
        return found[count - 1]

    def matches(self, regex: re.Pattern[str]) -> list[re.Match[str]]:
        return [m for m in (regex.search(line) for line in self.lines) if m]

    def serving_pids(self) -> list[int]:
        """Every worker pid that said it serves, in order."""
        return [int(m.group(1)) for m in self.matches(WORKER_SERVING)]

    def output(self) -> str:
        return "".join(self.lines)

    def signal(self, signum: int) -> None:
        assert self.process is not None
        self.process.send_signal(signum)

    def wait(self) -> int:
        assert self.process is not None
        code = self.process.wait(WAIT)
        self._close_output()
        return code

    def _close_output(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        self._reader.join(WAIT)
        if not self._reader.is_alive():
            self.process.stdout.close()

    def stop(self) -> None:
        """SIGTERM and wait; SIGKILL if it does not exit (after a failure)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.signal(signal.SIGTERM)
            try:
                self.process.wait(WAIT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._close_output()

    def __enter__(self) -> Supervised:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def get(port: int, path: str = "/", timeout: float = 30.0) -> tuple[int, str]:
    """One request on a fresh connection: status and body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


class Load:
    """``clients`` threads sending ``GET /`` in a loop, each on a fresh connection, until
    ``stop()`` (or ``limit`` requests each): the pids that answered, and every failure."""

    def __init__(self, port: int, clients: int = 2, limit: int = 20000) -> None:
        self.port = port
        self.pids: Counter[int] = Counter()
        self.failures: list[str] = []
        self._limit = limit
        self._stopped = threading.Event()
        self._progress = threading.Condition()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(clients)]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _run(self) -> None:
        for _ in range(self._limit):
            if self._stopped.is_set():
                return
            try:
                status, body = get(self.port)
                outcome = int(body) if status == 200 else f"status {status}: {body}"
            except (OSError, http.client.HTTPException, ValueError) as exc:
                outcome = f"{type(exc).__name__}: {exc}"
            with self._progress:
                if isinstance(outcome, int):
                    self.pids[outcome] += 1
                else:
                    self.failures.append(outcome)
                self._progress.notify_all()
        with self._progress:
            self._stopped.set()
            self._progress.notify_all()

    def wait_until(self, done: object, what: str) -> None:
        """Wait (bounded) until ``done()`` holds, checked after each request."""
        assert callable(done)
        with self._progress:
            ok = self._progress.wait_for(lambda: done() or self._stopped.is_set(), WAIT)
            if not ok or not done():
                raise AssertionError(f"load never saw {what}: {self.report()}")

    def served(self) -> int:
        return sum(self.pids.values())

    def stop(self) -> None:
        self._stopped.set()
        for thread in self._threads:
            thread.join(WAIT)

    def report(self) -> str:
        return f"{self.served()} served by {dict(self.pids)}, {len(self.failures)} failed" + (
            f" ({self.failures[:5]})" if self.failures else ""
        )


GUNICORN_LISTENING = re.compile(r"Listening at: https?://127\.0\.0\.1:(\d+)")
GUNICORN_WORKER_SERVING = re.compile(r"\[(\d+)\] \[INFO\] Albany serving on")


class Gunicorn(Supervised):
    """``python -m gunicorn -k albany.workers.CLASS -w N APP`` on 127.0.0.1, port 0."""

    def __init__(self, app: str, worker_class: str, workers: int, args: Sequence[str] = ()):
        super().__init__(app, None)
        self.workers = workers
        self.command = [sys.executable, "-m", "gunicorn", "-k", f"albany.workers.{worker_class}"]
        self.command += ["-w", str(workers), "-b", "127.0.0.1:0", *args, app]
        if _has_control_socket():
            self.command.insert(3, "--no-control-socket")

    def start(self, wait: bool = True) -> Gunicorn:
        super().start(wait=False)
        if wait:
            self.port = int(self.wait_for(GUNICORN_LISTENING).group(1))
            self.wait_for(GUNICORN_WORKER_SERVING, count=self.workers)
        return self

    def serving_pids(self) -> list[int]:
        return [int(m.group(1)) for m in self.matches(GUNICORN_WORKER_SERVING)]


def _has_control_socket() -> bool:
    """gunicorn 25 and later open a control socket in $HOME unless told not to."""
    from gunicorn.config import KNOWN_SETTINGS

    return any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS)

"""The supervisor: one process that binds the listening socket once and keeps N workers on it.

It has no event loop and imports no reactor, loop or framework: a ``select`` over the
workers' pulse pipes and a self-pipe for signals is its whole machinery. Each worker is a
fresh interpreter (``python -m albany.workers.child``) that imports the app itself and
inherits the socket. ``docs/design/workers.md`` says why.

Signals: SIGTERM/SIGINT drain every worker and exit; SIGHUP replaces the workers one by
one with fresh ones (the new one accepts before the old one is told to stop);
SIGTTIN/SIGTTOU add or remove one.
"""

from __future__ import annotations

import logging
import os
import random
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from albany.config import Config
from albany.errors import StartupError
from albany.sockets import bind_socket, describe
from albany.workers.spec import FDS_VARIABLE, SPEC_VARIABLE, WorkerFds, WorkerSpec

logger = logging.getLogger("albany.error")

BACKOFF_FIRST = 0.1
BACKOFF_MOST = 5.0
BACKOFF_FORGET = 30.0
"""Seconds without a crash after which the back-off starts again from ``BACKOFF_FIRST``."""
SHUTDOWN_MARGIN = 5.0
"""Seconds a stopping worker gets past the graceful timeout (lifespan shutdown) before SIGKILL."""
BOOT_RETRIES = 5
"""Replacements in a row that may fail to start before the supervisor gives up."""
SIGNALS = (
    signal.SIGTERM,
    signal.SIGINT,
    signal.SIGHUP,
    signal.SIGTTIN,
    signal.SIGTTOU,
    signal.SIGCHLD,
)


def worker_count(setting: int | str | None) -> int:
    """``--workers N`` or ``auto`` (the CPUs this process may use) as a number."""
    if setting == "auto":
        try:
            return len(os.sched_getaffinity(0))
        except AttributeError:  # not on Linux
            return os.cpu_count() or 1
    count = int(setting or 1)
    if count < 1:
        raise StartupError(f"--workers takes a number from 1, or auto, not {setting}")
    return count


@dataclass(eq=False)
class Worker:
    """One worker process as the supervisor sees it."""

    process: subprocess.Popen[bytes]
    pulse: int
    started: float
    last_beat: float
    ready: bool = False
    stopping_since: float | None = None
    """When it was told to stop (or said it stops); None while it is one of the N."""
    killed: bool = False
    replaces: Worker | None = None
    """The worker this one takes over from once it is ready (SIGHUP)."""
    buffer: list[bytes] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.process.pid


class Supervisor:
    """Runs ``spec``'s app in ``worker_count(config.workers)`` processes until a signal."""

    def __init__(self, spec: WorkerSpec) -> None:
        self.spec = spec
        self.config: Config = spec.config
        self.wanted = worker_count(self.config.workers)
        self.workers: list[Worker] = []
        self._encoded = spec.encoded()
        self._signals: list[int] = []
        self._crashes = 0
        self._last_crash = 0.0
        self._restart_at: float | None = None
        self._boot_failures = 0
        self._booting = True  # until the first N workers accept: a failure ends it all
        self._reload: list[Worker] = []
        self._stopping = False
        self._status = 0

    # the main loop

    def run(self) -> int:
        """Bind, start the workers, supervise until SIGTERM/SIGINT; the exit status."""
        sock = bind_socket(self.config)
        self._listener = sock
        wake_read, wake_write = os.pipe()
        for fd in (wake_read, wake_write):
            os.set_blocking(fd, False)
        previous = signal.set_wakeup_fd(wake_write, warn_on_full_buffer=False)
        handlers = {signum: signal.signal(signum, self._on_signal) for signum in SIGNALS}
        try:
            for _ in range(self.wanted):
                self._spawn()
            while self.workers or not self._stopping:
                self._wait(wake_read)
                self._step()
        finally:
            for signum, handler in handlers.items():
                signal.signal(signum, handler)
            signal.set_wakeup_fd(previous)
            for fd in (wake_read, wake_write):
                os.close(fd)
            for worker in self.workers:
                worker.process.kill()
                worker.process.wait()
            sock.close()
            if self.config.uds is not None and self.config.fd is None:
                try:
                    os.unlink(self.config.uds)
                except OSError:
                    pass
        logger.info("Supervisor %d stopped", os.getpid())
        return self._status

    def _on_signal(self, signum: int, frame: Any) -> None:
        self._signals.append(signum)

    def _wait(self, wake_read: int) -> None:
        """Sleep until a pulse, a signal or the next deadline."""
        timeout = self._next_deadline() - time.monotonic()
        fds = [wake_read] + [w.pulse for w in self.workers if w.pulse >= 0]
        try:
            readable, _, _ = select.select(fds, [], [], max(timeout, 0.0))
        except InterruptedError:
            return
        now = time.monotonic()
        for fd in readable:
            if fd == wake_read:
                while True:
                    try:
                        if not os.read(wake_read, 512):
                            break
                    except BlockingIOError:
                        break
                continue
            for worker in self.workers:
                if worker.pulse == fd:
                    self._read_pulse(worker, now)

    def _next_deadline(self) -> float:
        now = time.monotonic()
        deadlines = [now + 1.0]
        if self._restart_at is not None:
            deadlines.append(self._restart_at)
        timeout = self.config.timeout_worker_healthcheck
        for worker in self.workers:
            if worker.killed:
                continue
            if worker.stopping_since is not None:
                deadlines.append(worker.stopping_since + self._stop_allowance())
            elif worker.ready and timeout > 0:
                deadlines.append(worker.last_beat + timeout)
        return min(deadlines)

    def _step(self) -> None:
        signals, self._signals = self._signals, []
        for signum in signals:
            self._handle_signal(signum)
        self._reap()
        self._check_heartbeats()
        self._kill_overdue()
        if not self._stopping:
            self._advance_reload()
            self._keep_count()

    # signals

    def _handle_signal(self, signum: int) -> None:
        if signum in (signal.SIGTERM, signal.SIGINT):
            if not self._stopping:
                logger.info("Supervisor %d stopping %d workers", os.getpid(), len(self.workers))
                self._stopping = True
                self._reload = []
                for worker in self.workers:
                    self._retire(worker)
        elif self._stopping:
            return
        elif signum == signal.SIGHUP:
            logger.info("Replacing the workers one by one (SIGHUP)")
            self._reload = [w for w in self.workers if w.stopping_since is None]
        elif signum == signal.SIGTTIN:
            self.wanted += 1
            logger.info("One more worker (SIGTTIN): %d", self.wanted)
        elif signum == signal.SIGTTOU and self.wanted > 1:
            self.wanted -= 1
            logger.info("One worker less (SIGTTOU): %d", self.wanted)

    # workers

    def _spawn(self, replaces: Worker | None = None) -> Worker:
        pulse_read, pulse_write = os.pipe()
        os.set_blocking(pulse_read, False)
        limit = self.config.max_requests
        if limit is not None and self.config.max_requests_jitter > 0:
            limit += random.randint(0, self.config.max_requests_jitter)
        fds = WorkerFds(self._listener.fileno(), pulse_write, limit)
        env = dict(os.environ)
        env[SPEC_VARIABLE] = self._encoded
        env[FDS_VARIABLE] = fds.encoded()
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "albany.workers.child"],
                env=env,
                pass_fds=(fds.listener, pulse_write),
            )
        finally:
            os.close(pulse_write)
        now = time.monotonic()
        worker = Worker(process, pulse_read, now, now, replaces=replaces)
        self.workers.append(worker)
        return worker

    def _read_pulse(self, worker: Worker, now: float) -> None:
        try:
            data = os.read(worker.pulse, 4096)
        except BlockingIOError:
            return
        if not data:  # the worker closed its end: it is exiting
            os.close(worker.pulse)
            worker.pulse = -1
            return
        worker.last_beat = now
        if b"R" in data and not worker.ready:
            worker.ready = True
            self._worker_ready(worker)
        if b"S" in data and worker.stopping_since is None:
            worker.stopping_since = now  # it stops itself (request limit); replace it now

    def _worker_ready(self, worker: Worker) -> None:
        self._boot_failures = 0
        started = time.monotonic() - worker.started
        logger.info("Worker %d is serving (started in %.2fs)", worker.pid, started)
        old = worker.replaces
        if old is not None:
            worker.replaces = None
            if old in self.workers and old.stopping_since is None:
                self._retire(old)
        if self._booting and sum(1 for w in self.workers if w.ready) >= self.wanted:
            self._booting = False
            where = describe(self._listener, tls=self.config.is_ssl)
            logger.info(
                "Albany supervisor %d serving on %s with %d workers (%s)",
                os.getpid(),
                where,
                self.wanted,
                ", ".join(str(w.pid) for w in self.workers),
            )

    def _retire(self, worker: Worker) -> None:
        """Ask a worker to finish its requests and exit (SIGTERM)."""
        if worker.stopping_since is None:
            worker.stopping_since = time.monotonic()
        if worker.process.poll() is None:
            worker.process.send_signal(signal.SIGTERM)

    def _stop_allowance(self) -> float:
        """Seconds a stopping worker has: the graceful timeout, its lifespan shutdown, a margin."""
        graceful = self.config.timeout_graceful_shutdown
        if graceful is None:
            return float("inf")
        return graceful + (self.config.timeout_lifespan_shutdown or 0.0) + SHUTDOWN_MARGIN

    def _reap(self) -> None:
        for worker in list(self.workers):
            code = worker.process.poll()
            if code is None:
                continue
            self.workers.remove(worker)
            if worker.pulse >= 0:
                os.close(worker.pulse)
                worker.pulse = -1
            self._exited(worker, code)

    def _exited(self, worker: Worker, code: int) -> None:
        how = f"signal {-code}" if code < 0 else f"status {code}"
        if worker.stopping_since is not None:
            logger.info("Worker %d exited (%s)", worker.pid, how)
            # -SIGTERM: told to stop before its own handlers were in place (still starting)
            if self._stopping and code not in (0, -signal.SIGTERM):
                self._status = 1
            return
        if not worker.ready:
            self._boot_failed(worker, how)
            return
        logger.error("Worker %d died (%s); replacing it", worker.pid, how)
        self._crashed()

    def _boot_failed(self, worker: Worker, how: str) -> None:
        logger.error("Worker %d failed to start (%s)", worker.pid, how)
        if self._booting:
            self._give_up("a worker failed to start")
            return
        if worker.replaces is not None:  # SIGHUP: keep the old workers serving
            logger.error("Reload abandoned; the running workers keep serving")
            self._reload = []
            return
        self._boot_failures += 1
        if self._boot_failures >= BOOT_RETRIES:
            self._give_up(f"{BOOT_RETRIES} workers in a row failed to start")
            return
        self._crashed()

    def _give_up(self, why: str) -> None:
        logger.error("Supervisor giving up: %s", why)
        self._status = 1
        self._stopping = True
        self._reload = []
        for worker in self.workers:
            self._retire(worker)

    def _crashed(self) -> None:
        now = time.monotonic()
        if now - self._last_crash > BACKOFF_FORGET:
            self._crashes = 0
        self._crashes += 1
        self._last_crash = now
        delay = min(BACKOFF_FIRST * 2 ** (self._crashes - 1), BACKOFF_MOST)
        self._restart_at = max(self._restart_at or 0.0, now + delay)

    def _check_heartbeats(self) -> None:
        timeout = self.config.timeout_worker_healthcheck
        if timeout <= 0:
            return
        now = time.monotonic()
        for worker in self.workers:
            if worker.killed or not worker.ready or worker.stopping_since is not None:
                continue
            if now - worker.last_beat > timeout:
                logger.error(
                    "Worker %d missed its heartbeat for %.1fs; killing it", worker.pid, timeout
                )
                worker.killed = True
                worker.process.kill()

    def _kill_overdue(self) -> None:
        now = time.monotonic()
        allowance = self._stop_allowance()
        for worker in self.workers:
            since = worker.stopping_since
            if since is None or worker.killed or now - since <= allowance:
                continue
            logger.warning("Worker %d did not stop in time; killing it", worker.pid)
            worker.killed = True
            worker.process.kill()

    def _advance_reload(self) -> None:
        """SIGHUP: one fresh worker at a time, each retiring an old one once it accepts."""
        if any(w.replaces is not None for w in self.workers):
            return  # one replacement at a time
        while self._reload:
            old = self._reload.pop(0)
            if old in self.workers and old.stopping_since is None:
                self._spawn(replaces=old)
                return

    def _keep_count(self) -> None:
        serving = [w for w in self.workers if w.stopping_since is None]
        replacing = sum(1 for w in serving if w.replaces is not None)
        count = len(serving) - replacing
        if count > self.wanted:
            for worker in serving[: count - self.wanted]:  # the oldest first
                if worker.replaces is None:
                    self._retire(worker)
            return
        if count < self.wanted:
            now = time.monotonic()
            if self._restart_at is not None and now < self._restart_at:
                return
            self._restart_at = None
            for _ in range(self.wanted - count):
                self._spawn()


def run_supervisor(spec: WorkerSpec) -> int:
    """Supervise ``spec``'s workers until SIGTERM/SIGINT; the exit status.

    Port 0 is bound once, here: every worker shares the port the kernel picked.
    """
    return Supervisor(spec).run()

"""A worker process, started by the supervisor as ``python -m albany.workers.child``.

It serves exactly as ``albany APP`` does in one process, on the listening socket it
inherited, and speaks to the supervisor through one pipe, one byte at a time:
``R`` once it accepts, ``.`` as its heartbeat, ``S`` when it stops of its own accord
(its request limit reached).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from dataclasses import replace

from albany.gateway.server_state import ServerState
from albany.workers.heartbeat import beat_interval, start_heartbeat
from albany.workers.spec import BOOT_FAILED, WorkerFds, spec_from_environment

READY = b"R"
BEAT = b"."
STOPPING = b"S"


class SupervisorLink:
    """This worker's end of its pulse pipe."""

    def __init__(self, fds: WorkerFds, interval: float) -> None:
        self._fd = fds.pulse
        self._request_limit = fds.request_limit
        self._interval = interval
        self._stopping = False
        os.set_blocking(self._fd, False)

    def serving(self, state: ServerState) -> None:
        """Tell the supervisor this worker accepts; beat from now on; count requests."""
        self._send(READY)
        state.request_limit = self._request_limit
        state.on_request_limit = self._recycle
        start_heartbeat(state, self._interval, lambda: self._send(BEAT))

    def _recycle(self) -> None:
        logging.getLogger("albany.error").info(
            "Worker %d served its %d requests; stopping", os.getpid(), self._request_limit
        )
        self._send(STOPPING)
        self._stop()

    def _send(self, message: bytes) -> None:
        try:
            os.write(self._fd, message)
        except BlockingIOError:
            pass  # the supervisor is behind; its next read sees the pipe full of beats
        except OSError:  # the supervisor is gone: nobody would replace us, nor stop us
            self._stop()

    def _stop(self) -> None:
        if not self._stopping:
            self._stopping = True
            os.kill(os.getpid(), signal.SIGTERM)


def main() -> int:
    """Serve until SIGTERM/SIGINT; the exit status (``BOOT_FAILED`` if it never started)."""
    from albany.cli import load_app, mount_from_specs
    from albany.errors import StartupError
    from albany.importer import ImportFromStringError
    from albany.logs import configure_logging
    from albany.serving import prepare, serve

    for signum in (signal.SIGHUP, signal.SIGTTIN, signal.SIGTTOU):
        signal.signal(signum, signal.SIG_IGN)  # the supervisor's signals, not ours
    spec, fds = spec_from_environment()
    link = SupervisorLink(fds, beat_interval(spec.config.timeout_worker_healthcheck))
    config = replace(
        spec.config,
        fd=fds.listener,
        uds=None,
        workers=None,
        max_requests=None,
        on_serving=link.serving,
    )
    configure_logging(config.log_level, config.access_log)
    for handler in logging.getLogger("albany").handlers:
        handler.setFormatter(logging.Formatter("%(levelname)s:     [%(process)d] %(message)s"))
    if spec.app_dir is not None:
        sys.path.insert(0, spec.app_dir)
    try:
        prepared = prepare(config, apps=len(spec.mounts) or 1)
        with prepared.importing():
            if spec.target is not None:
                app = load_app(spec.target, spec.factory)
            else:
                app = mount_from_specs(spec.mounts, spec.factory)
        return serve(app, config, prepared.loop)
    except (StartupError, ImportFromStringError) as exc:
        print(f"albany: error: [{os.getpid()}] {exc}", file=sys.stderr)
        return BOOT_FAILED
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())

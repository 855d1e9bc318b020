"""What a worker process serves, handed from the supervisor to each fresh interpreter."""

from __future__ import annotations

import base64
import os
import pickle
from dataclasses import dataclass, field, replace

from albany.config import Config
from albany.errors import StartupError

SPEC_VARIABLE = "ALBANY_WORKER_SPEC"
FDS_VARIABLE = "ALBANY_WORKER_FDS"
BOOT_FAILED = 3
"""A worker's exit status when it cannot start (import error, lifespan start-up failure)."""


@dataclass
class WorkerSpec:
    """The app by name (each worker imports it itself) and the settings it is served with."""

    config: Config
    target: str | None = None
    """``MODULE:ATTR``, or None when ``mounts`` name the apps."""
    mounts: list[str] = field(default_factory=list)
    """``PREFIX=MODULE:ATTR`` for each mounted app."""
    factory: bool = False
    app_dir: str | None = None

    def encoded(self) -> str:
        """The spec as one environment variable's value."""
        config = replace(self.config, on_serving=None)
        if config.ssl is not None:
            raise StartupError(
                "Workers cannot share a ready SSL context; give the certificate and key "
                "files (ssl_certfile, ssl_keyfile) instead"
            )
        blob = pickle.dumps(replace(self, config=config))
        return base64.b64encode(blob).decode("ascii")


@dataclass(frozen=True)
class WorkerFds:
    """What one worker is given besides the spec: its descriptors and its request limit."""

    listener: int
    pulse: int
    request_limit: int | None

    def encoded(self) -> str:
        return f"{self.listener},{self.pulse},{self.request_limit or 0}"

    @classmethod
    def decoded(cls, value: str) -> WorkerFds:
        listener, pulse, limit = (int(part) for part in value.split(","))
        return cls(listener, pulse, limit or None)


def spec_from_environment() -> tuple[WorkerSpec, WorkerFds]:
    """The spec and descriptors the supervisor put in this process's environment."""
    spec = pickle.loads(base64.b64decode(os.environ.pop(SPEC_VARIABLE)))
    assert isinstance(spec, WorkerSpec)
    return spec, WorkerFds.decoded(os.environ.pop(FDS_VARIABLE))

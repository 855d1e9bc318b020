"""Live servers shared by a test session: one per (app, loop, arguments)."""

from __future__ import annotations

from typing import Mapping

from albany.testing.live import LiveServer


class ServerPool:
    """Starts each distinct server once and keeps it until ``close``.

    A server whose process has exited (a test stopped it, or it crashed) is started
    again on the next ``get``.
    """

    def __init__(self, app_dir: str | None = None, env: Mapping[str, str] | None = None) -> None:
        self.app_dir = app_dir
        self.env = dict(env or {})
        self._servers: dict[tuple[str, str, tuple[str, ...]], LiveServer] = {}

    def get(self, app: str, loop: str, *args: str) -> LiveServer:
        """The server for ``app`` (``MODULE:ATTR``) on ``loop`` with ``args``, started on demand."""
        key = (app, loop, args)
        server = self._servers.get(key)
        if server is None or server.process.poll() is not None:
            server = LiveServer(app, loop, args, app_dir=self.app_dir, env=self.env or None)
            self._servers[key] = server.start()
        return server

    def close(self) -> None:
        """Stop every server started."""
        servers, self._servers = list(self._servers.values()), {}
        for server in servers:
            server.stop()

"""Listening sockets, made once before any loop starts so every backend adopts the same."""

from __future__ import annotations

import errno
import os
import socket
import stat

from albany.config import Config
from albany.errors import StartupError


def bind_socket(config: Config) -> socket.socket:
    """A bound, listening, non-blocking socket for ``--host/--port``, ``--uds`` or ``--fd``."""
    if config.fd is not None:
        sock = socket.socket(fileno=config.fd)
    elif config.uds is not None:
        path = config.uds
        if os.path.exists(path) and stat.S_ISSOCK(os.stat(path).st_mode):
            os.unlink(path)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.bind(path)
        except OSError as exc:
            sock.close()
            raise StartupError(f"Cannot bind to Unix socket {path}: {exc.strerror}") from exc
        os.chmod(path, 0o666)
    else:
        family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((config.host, config.port))
        except OSError as exc:
            sock.close()
            if exc.errno == errno.EADDRINUSE:
                raise StartupError(
                    f"Address {config.host}:{config.port} is already in use"
                ) from exc
            raise StartupError(
                f"Cannot bind to {config.host}:{config.port}: {exc.strerror}"
            ) from exc
    sock.listen(config.backlog)
    sock.setblocking(False)
    return sock


def describe(sock: socket.socket) -> str:
    """``http://host:port`` or ``unix:path`` for the log line that says where we listen."""
    name = sock.getsockname()
    if sock.family == socket.AF_UNIX:
        return f"unix:{name}"
    host, port = name[0], name[1]
    if sock.family == socket.AF_INET6:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def address(sock: socket.socket) -> tuple[str, int] | None:
    """A socket's (host, port) for the scope, or None for Unix sockets."""
    if sock.family == socket.AF_UNIX:
        return None
    name = sock.getsockname()
    return (str(name[0]), int(name[1]))


def client_address(name: object) -> tuple[str, int] | None:
    """A peer's socket name as the scope's ``client``: (host, port), or None (Unix socket)."""
    if isinstance(name, tuple) and len(name) >= 2:
        return (str(name[0]), int(name[1]))
    return None


def server_address(name: object) -> tuple[str, int | None] | None:
    """A listening socket's name as the scope's ``server``: (host, port), or (path, None)."""
    if isinstance(name, tuple) and len(name) >= 2:
        return (str(name[0]), int(name[1]))
    if isinstance(name, bytes):
        name = name.decode("utf-8", "surrogateescape")
    if isinstance(name, str) and name:
        return (name, None)
    return None

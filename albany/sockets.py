"""Listening sockets, made once before any loop starts so every backend adopts the same,
and the TLS context they serve with."""

from __future__ import annotations

import errno
import os
import socket
import ssl
import stat

from albany.config import Config
from albany.errors import StartupError

SD_LISTEN_FDS_START = 3
"""The first descriptor systemd passes (``sd_listen_fds(3)``)."""


def systemd_sockets() -> list[socket.socket]:
    """The listening sockets systemd passed this process (``LISTEN_FDS``/``LISTEN_PID``),
    or ``[]``. The variables are removed, so a child process does not take them as its own."""
    count = os.environ.get("LISTEN_FDS")
    pid = os.environ.get("LISTEN_PID")
    if count is None or pid is None:
        return []
    for name in ("LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"):
        os.environ.pop(name, None)
    if not (pid.isdigit() and int(pid) == os.getpid()):
        return []  # meant for another process
    if not count.isdigit():
        raise StartupError(f"LISTEN_FDS={count!r} is not a number of sockets")
    sockets = []
    for fd in range(SD_LISTEN_FDS_START, SD_LISTEN_FDS_START + int(count)):
        try:
            sock = socket.socket(fileno=fd)
        except OSError as exc:
            raise StartupError(
                f"systemd's descriptor {fd} is not a socket: {exc.strerror}"
            ) from exc
        if sock.type != socket.SOCK_STREAM:
            raise StartupError(f"systemd's socket {fd} is not a stream socket (ListenStream=)")
        sock.setblocking(False)
        sock.set_inheritable(False)
        sockets.append(sock)
    return sockets


def bind_sockets(config: Config) -> list[socket.socket]:
    """The sockets to serve on: systemd's when it passed some (socket activation), else
    the one ``bind_socket`` makes."""
    activated = systemd_sockets()
    if activated:
        return activated
    return [bind_socket(config)]


def bind_socket(config: Config) -> socket.socket:
    """A bound, listening, non-blocking socket for ``--host/--port``, ``--uds`` or ``--fd``."""
    if config.fd is not None:
        try:
            sock = socket.socket(fileno=config.fd)
        except OSError as exc:
            raise StartupError(f"fd {config.fd} is not an open socket: {exc.strerror}") from exc
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


def ssl_context(config: Config) -> ssl.SSLContext | None:
    """The TLS context ``config`` asks for (``config.ssl``, or one made from the ``ssl_*``
    files), or None for plain TCP. Raises ``StartupError`` naming the file at fault."""
    check_tls_settings(config)
    if config.ssl is not None or config.ssl_certfile is None:
        return config.ssl
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        # A password, even empty, keeps OpenSSL from prompting on the terminal for one.
        context.load_cert_chain(
            config.ssl_certfile, config.ssl_keyfile, config.ssl_keyfile_password or ""
        )
    except OSError as exc:  # ssl.SSLError mostly, whose reason may be None
        key = f" and key {config.ssl_keyfile}" if config.ssl_keyfile else ""
        reason = getattr(exc, "reason", None)
        raise StartupError(
            f"Cannot load the TLS certificate {config.ssl_certfile}{key}: not a PEM "
            "certificate and its matching key, or the key's password is missing or wrong"
            f"{f' ({reason})' if reason else ''}"
        ) from exc
    if config.ssl_ca_certs is not None:
        try:
            context.load_verify_locations(config.ssl_ca_certs)
        except OSError as exc:
            raise StartupError(
                f"Cannot load the TLS CA certificates {config.ssl_ca_certs}: no PEM certificate"
            ) from exc
    context.verify_mode = ssl.VerifyMode(config.ssl_cert_reqs)
    context.set_alpn_protocols(["http/1.1"])
    return context


def check_tls_settings(config: Config) -> None:
    """Raise ``StartupError`` unless the ``ssl_*`` settings make sense and their files read."""
    settings = (config.ssl_keyfile, config.ssl_keyfile_password, config.ssl_ca_certs)
    other_settings = any(settings) or config.ssl_cert_reqs != ssl.CERT_NONE
    if config.ssl is not None:
        if config.ssl_certfile is not None or other_settings:
            raise StartupError("Give a ready SSL context or the TLS files, not both")
        return
    if config.ssl_certfile is None:
        if other_settings:
            raise StartupError("The TLS options need a certificate: --ssl-certfile PATH")
        return
    if config.ssl_cert_reqs != ssl.CERT_NONE and config.ssl_ca_certs is None:
        raise StartupError("Checking client certificates needs their CA: --ssl-ca-certs PATH")
    files = [
        ("certificate", config.ssl_certfile),
        ("key", config.ssl_keyfile),
        ("CA certificates", config.ssl_ca_certs),
    ]
    for what, path in files:
        if path is None:
            continue
        try:
            with open(path, "rb"):
                pass
        except OSError as exc:
            raise StartupError(f"Cannot read the TLS {what} {path}: {exc.strerror}") from exc


def describe(sock: socket.socket, tls: bool = False) -> str:
    """``http://host:port`` (``https://`` with ``tls``) or ``unix:path`` for the log line
    that says where we listen."""
    name = sock.getsockname()
    if sock.family == socket.AF_UNIX:
        return f"unix:{name}"
    host, port = name[0], name[1]
    if sock.family == socket.AF_INET6:
        host = f"[{host}]"
    return f"{'https' if tls else 'http'}://{host}:{port}"


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

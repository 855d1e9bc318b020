"""An Albany server on a Twisted reactor: start, serve, stop gracefully (Deferreds)."""

from __future__ import annotations

import logging
import socket
import ssl
from typing import Any

from twisted.internet.defer import Deferred, inlineCallbacks

from albany.backends.twisted.clock import TwistedClock
from albany.backends.twisted.protocol import HttpFactory
from albany.backends.twisted.reactors import installed_reactor
from albany.backends.twisted.runner import runner_for
from albany.config import Config
from albany.errors import StartupError, require
from albany.gateway.lifespan import LifespanGroup
from albany.gateway.server_state import ServerState
from albany.sockets import bind_sockets, check_tls_settings, describe, ssl_context
from albany.types import App

logger = logging.getLogger("albany.error")


def wait_for_callback(start: Any) -> Deferred[Any]:
    """A Deferred for the single value that ``start(callback)`` reports."""
    deferred: Deferred[Any] = Deferred()

    def callback(value: Any) -> None:
        if not deferred.called:
            deferred.callback(value)

    start(callback)
    return deferred


def server_state(app: App, config: Config, reactor: Any) -> ServerState:
    """What the connections of one listening port share; ``HttpProtocol(state)`` serves one.

    For protocol factories of one's own (a ``twisted.web`` ``Site`` look-alike, say).
    """
    return ServerState(
        app, lambda flavour: runner_for(flavour, reactor), TwistedClock(reactor), config, "twisted"
    )


def tls_options(config: Config) -> Any:
    """pyOpenSSL options serving TLS from the ``ssl_*`` files, or None for plain TCP.

    Twisted cannot take an ``ssl.SSLContext``, so ``config.ssl`` is refused; the files
    are first loaded by ``ssl_context`` so that each mistake reads as on the other loops.
    """
    check_tls_settings(config)
    if config.ssl is not None:
        raise StartupError(
            "The Twisted loop cannot serve a ready ssl.SSLContext; give the certificate "
            "and key files (ssl_certfile, ssl_keyfile) instead"
        )
    if config.ssl_certfile is None:
        return None
    require("OpenSSL", "tls", "pyOpenSSL (for TLS on Twisted)")
    ssl_context(config)
    from cryptography.x509 import load_pem_x509_certificates
    from OpenSSL.crypto import FILETYPE_PEM, X509, load_privatekey
    from twisted.internet.ssl import CertificateOptions

    def certificates(path: str) -> list[X509]:
        with open(path, "rb") as file:
            return [X509.from_cryptography(c) for c in load_pem_x509_certificates(file.read())]

    with open(config.ssl_keyfile or config.ssl_certfile, "rb") as file:
        password = (config.ssl_keyfile_password or "").encode()
        key = load_privatekey(FILETYPE_PEM, file.read(), password)
    chain = certificates(config.ssl_certfile)
    verify = config.ssl_cert_reqs != ssl.CERT_NONE
    return CertificateOptions(
        privateKey=key,
        certificate=chain[0],
        extraCertChain=chain[1:],
        verify=verify,
        caCerts=certificates(config.ssl_ca_certs) if verify and config.ssl_ca_certs else None,
        requireCertificate=config.ssl_cert_reqs == ssl.CERT_REQUIRED,
        acceptableProtocols=[b"http/1.1"],
    )


class TwistedServer:
    """Serves one app on a reactor, running or about to run; ``start``/``stop`` return Deferreds."""

    def __init__(
        self,
        app: App,
        config: Config | None = None,
        sock: socket.socket | None = None,
        reactor: Any = None,
    ) -> None:
        self.app = app
        self.config = config or Config()
        self._sock = sock
        self._reactor = reactor
        self._ports: list[Any] = []
        self._lifespan: LifespanGroup | None = None
        self.state: ServerState | None = None
        self.shutdown_failure: str | None = None
        """Why lifespan shutdown failed once ``stop`` has run; None when it succeeded."""
        self.stop_requested = False
        """Set when a stop is asked for during ``start``: start-up then ends without listening."""
        self.sockets: list[socket.socket] = []

    def exit_status(self) -> int:
        """After ``stop``: 1 when lifespan shutdown failed or requests were cut short, else 0."""
        if self.state is None:
            return 0 if self.shutdown_failure is None else 1
        return self.state.exit_status(self.shutdown_failure)

    @inlineCallbacks
    def start(self) -> Any:
        """Bind, run lifespan start-up, then accept. Fails with ``StartupError``."""
        options = tls_options(self.config)
        socks = [self._sock] if self._sock is not None else bind_sockets(self.config)
        reactor = self._reactor or installed_reactor()
        if reactor is None:
            raise StartupError("No reactor is installed; install one before starting")
        self._reactor = reactor
        config = self.config
        if config.threads is not None:
            reactor.suggestThreadPoolSize(config.threads)
        state = server_state(self.app, config, reactor)
        self.state = state
        self._lifespan = state.lifespan()
        failure = yield wait_for_callback(self._lifespan.startup)
        if failure is not None:
            for sock in socks:
                sock.close()
            raise StartupError(f"Application startup failed: {failure}")
        if self.stop_requested:  # a signal came during start-up: stop without listening
            for sock in socks:
                sock.close()
            return None
        factory: Any = HttpFactory(state)
        if options is not None:
            from twisted.protocols.tls import TLSMemoryBIOFactory

            factory = TLSMemoryBIOFactory(options, False, factory, reactor)
        self.sockets = socks  # kept open: they are what getsockname() answers from
        for sock in socks:
            sock.setblocking(False)  # adoptStreamPort needs it; a socket given may be blocking
            self._ports.append(reactor.adoptStreamPort(sock.fileno(), sock.family, factory))
            where = describe(sock, tls=options is not None)
            logger.info("Albany serving on %s (twisted, %s)", where, type(reactor).__name__)
        state.serving()

    @inlineCallbacks
    def stop(self) -> Any:
        """Stop accepting, finish in-flight requests, close idle connections, shut down.

        A failed lifespan shutdown is logged and kept in ``shutdown_failure``.
        """
        state = self.state
        if self._ports:
            ports, self._ports = self._ports, []
            for port in ports:
                yield port.stopListening()
            for sock in self.sockets:
                sock.close()
        if state is not None:
            idle = wait_for_callback(state.begin_shutdown)
            timeout = self.config.timeout_graceful_shutdown
            if timeout is not None:
                idle.addTimeout(timeout, self._reactor, onTimeoutCancel=self._timed_out)
            yield idle
        if self._lifespan is not None:
            failure = yield wait_for_callback(self._lifespan.shutdown)
            if failure is not None:
                self.shutdown_failure = failure
                logger.error("Application shutdown failed: %s", failure)

    def _timed_out(self, result: Any, timeout: float) -> None:
        logger.warning("Graceful shutdown timed out; closing connections")
        if self.state is not None:
            self.state.force_close()

"""Per-connection glue: Twisted protocol callbacks to the gateway's ``HttpConnection``.

The protocol registers itself as the transport's streaming producer, so Twisted's
``pauseProducing``/``resumeProducing`` become the gateway's write-side flow control.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.interfaces import (
    IHalfCloseableDescriptor,
    IHalfCloseableProtocol,
    INegotiated,
    IPushProducer,
    ISSLTransport,
)
from twisted.internet.protocol import Protocol, ServerFactory
from twisted.python.failure import Failure
from zope.interface import implementer

from albany.gateway.connection import HttpConnection
from albany.gateway.server_state import ServerState
from albany.sockets import client_address, server_address


def _socket_name(address: Any) -> Any:
    """A Twisted address as a socket name: (host, port), or a Unix socket's path."""
    if isinstance(address, (IPv4Address, IPv6Address)):
        return (address.host, address.port)
    return getattr(address, "name", None)


def is_tls(transport: Any) -> bool:
    """Whether the connection is encrypted (``https``/``wss``).

    ``listenSSL`` marks its transports ``ISSLTransport``; under a ``TLSMemoryBIOFactory``
    the protocol's transport is the TLS layer itself, which is ``INegotiated``.
    """
    return bool(ISSLTransport.providedBy(transport) or INegotiated.providedBy(transport))


def tls_session(transport: Any) -> Any:
    """What the gateway reads the ``tls`` extension from (pyOpenSSL's connection, viewed)."""
    from albany.backends.twisted.tls import PyOpenSSLSession

    return PyOpenSSLSession(transport.getHandle())


class TwistedTransport:
    """The gateway's ``Transport`` over an ``ITCPTransport``."""

    __slots__ = ("_transport", "write", "pause_reading", "resume_reading")

    def __init__(self, transport: Any) -> None:
        self._transport = transport
        self.write = transport.write
        self.pause_reading = transport.pauseProducing
        self.resume_reading = transport.resumeProducing

    def close(self) -> None:
        # A transport with a registered producer would wait for it before closing.
        self._transport.unregisterProducer()
        self._transport.loseConnection()

    def abort(self) -> None:
        self._transport.unregisterProducer()
        self._transport.abortConnection()

    def can_write_eof(self) -> bool:
        # TCP and Unix sockets; never TLS, whose wrapper forwards unknown attributes, the
        # interfaces its TCP transport provides included, so it would pass the check below.
        transport = self._transport
        return not is_tls(transport) and bool(IHalfCloseableDescriptor.providedBy(transport))

    def write_eof(self) -> None:
        # As for close: with a producer registered, the write side would wait for it.
        self._transport.unregisterProducer()
        self._transport.loseWriteConnection()


@implementer(IPushProducer, IHalfCloseableProtocol)
class HttpProtocol(Protocol):
    """One accepted connection.

    Half-closeable, as asyncio's protocols are: the client's end of file reaches the gateway
    as ``eof_received``, which closes once the responses written are out (a plain Twisted
    protocol would lose them), and a staged close keeps reading after ``write_eof``.
    """

    def __init__(self, state: ServerState) -> None:
        self._state = state
        self._connection: HttpConnection | None = None

    def connectionMade(self) -> None:
        transport = self.transport
        transport.registerProducer(self, True)  # type: ignore[union-attr]
        set_no_delay = getattr(transport, "setTcpNoDelay", None)  # TCP only, not Unix sockets
        if set_no_delay is not None:
            set_no_delay(True)  # as asyncio does: small writes (frames, chunks) go at once
        tls = is_tls(transport)
        self._connection = HttpConnection(
            self._state,
            TwistedTransport(transport),
            server=server_address(_socket_name(transport.getHost())),  # type: ignore[union-attr,misc]
            client=client_address(_socket_name(transport.getPeer())),  # type: ignore[union-attr,misc]
            scheme="https" if tls else "http",
            tls=tls_session(transport) if tls else None,
        )

    def dataReceived(self, data: bytes) -> None:
        self._connection.data_received(data)  # type: ignore[union-attr]

    def connectionLost(self, reason: Failure = None) -> None:  # type: ignore[assignment]
        if self._connection is not None:
            self._connection.connection_lost()

    # IHalfCloseableProtocol

    def readConnectionLost(self) -> None:
        self._connection.eof_received()  # type: ignore[union-attr]

    def writeConnectionLost(self) -> None:
        pass  # the gateway shut the write side (write_eof): it reads on

    # IPushProducer: the transport's write buffer is over or back under its mark

    def pauseProducing(self) -> None:
        self._connection.pause_writing()  # type: ignore[union-attr]

    def resumeProducing(self) -> None:
        self._connection.resume_writing()  # type: ignore[union-attr]

    def stopProducing(self) -> None:
        pass  # connectionLost follows


class HttpFactory(ServerFactory):
    """Builds an ``HttpProtocol`` for each connection of one server."""

    noisy = False

    def __init__(self, state: ServerState) -> None:
        self.state = state

    def buildProtocol(self, addr: Any) -> HttpProtocol:
        return HttpProtocol(self.state)

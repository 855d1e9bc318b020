"""pyOpenSSL's TLS connection seen through the stdlib ``SSLObject`` methods the gateway reads."""

from __future__ import annotations

from typing import Any

from OpenSSL.crypto import FILETYPE_ASN1, FILETYPE_PEM, X509, dump_certificate


class PyOpenSSLSession:
    """What ``albany.gateway.tls.tls_extension`` reads, from an ``OpenSSL.SSL.Connection``."""

    __slots__ = ("_connection",)

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def getpeercert(self, binary_form: bool = False) -> Any:
        """The client certificate: DER bytes, or ``{"subject": ...}``; None when none was sent."""
        peer: X509 | None = self._connection.get_peer_certificate()
        if peer is None:
            return None
        if binary_form:
            return dump_certificate(FILETYPE_ASN1, peer)
        components = peer.get_subject().get_components()
        return {
            "subject": tuple(((k.decode(), v.decode("utf-8", "replace")),) for k, v in components)
        }

    def get_unverified_chain(self) -> list[bytes]:
        """DER certificates the client sent, its own first."""
        peer = self._connection.get_peer_certificate()
        if peer is None:
            return []
        # On a server, OpenSSL's peer chain leaves out the client's own certificate.
        rest = self._connection.get_peer_cert_chain() or []
        own = peer.digest("sha256")
        return [
            dump_certificate(FILETYPE_ASN1, c)
            for c in [peer, *rest]
            if c is peer or c.digest("sha256") != own
        ]

    def server_certificate(self) -> str | None:
        """The PEM certificate this server sent."""
        own = self._connection.get_certificate()
        return dump_certificate(FILETYPE_PEM, own).decode("ascii") if own is not None else None

    def version(self) -> str | None:
        """``TLSv1.3`` and the like."""
        name: str = self._connection.get_protocol_version_name()
        return name

    def cipher(self) -> tuple[str, str, int] | None:
        """(OpenSSL cipher name, protocol, secret bits), as ``SSLObject.cipher``."""
        name = self._connection.get_cipher_name()
        if name is None:
            return None
        return (name, self._connection.get_cipher_version(), self._connection.get_cipher_bits())

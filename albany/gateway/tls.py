"""The ASGI ``tls`` extension (spec 0.2), computed once per connection from its TLS object.

A backend hands its connection the object that holds the TLS session: the stdlib's
``ssl.SSLObject``/``ssl.SSLSocket`` (asyncio, uvloop, Tornado), or on Twisted a view of
pyOpenSSL's connection with the same methods (``backends/twisted/tls.py``). It is read
after the handshake: a connection asks on its first request.

The stdlib does not expose the certificate a server sent, nor (before Python 3.13) the
client's chain past its own certificate: ``server_cert`` then comes from the server's
certificate file, and ``client_cert_chain`` holds the client certificate alone.
"""

from __future__ import annotations

import ssl
from typing import Any

TLS_VERSIONS = {"SSLv3": 0x0300, "TLSv1": 0x0301, "TLSv1.1": 0x0302, "TLSv1.2": 0x0303}
TLS_VERSIONS["TLSv1.3"] = 0x0304

_SHORT_NAMES = {
    "commonName": "CN",
    "localityName": "L",
    "stateOrProvinceName": "ST",
    "organizationName": "O",
    "organizationalUnitName": "OU",
    "countryName": "C",
    "streetAddress": "STREET",
    "domainComponent": "DC",
    "userId": "UID",
    "emailAddress": "1.2.840.113549.1.9.1",
}
"""RFC 4514's attribute names, by the stdlib's long ones; others keep the long name."""

_cipher_ids: dict[str, int] | None = None


def cipher_suite_id(name: str | None) -> int | None:
    """The IANA number of an OpenSSL cipher suite name (``TLS_AES_128_GCM_SHA256``: 0x1301)."""
    global _cipher_ids
    if name is None:
        return None
    if _cipher_ids is None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.set_ciphers("ALL:@SECLEVEL=0")
        _cipher_ids = {c["name"]: c["id"] & 0xFFFF for c in context.get_ciphers()}
    return _cipher_ids.get(name)


def rfc4514(rdns: list[list[tuple[str, str]]]) -> str:
    """A distinguished name, most significant RDN first in ``rdns``, as RFC 4514 writes it."""
    return ",".join(
        "+".join(f"{_SHORT_NAMES.get(name, name)}={_escape(value)}" for name, value in rdn)
        for rdn in reversed(rdns)
    )


def _escape(value: str) -> str:
    escaped = "".join("\\" + c if c in ',+"\\<>;=' else c for c in value)
    if escaped.startswith(("#", " ")):
        escaped = "\\" + escaped
    if escaped.endswith(" ") and not escaped.endswith("\\ "):
        escaped = escaped[:-1] + "\\ "
    return escaped


def server_cert_from_file(path: str | None) -> str | None:
    """The first PEM certificate of a certificate (chain) file, or None."""
    if path is None:
        return None
    begin, end = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"
    with open(path, encoding="ascii", errors="replace") as file:
        text = file.read()
    start = text.find(begin)
    stop = text.find(end, start)
    if start < 0 or stop < 0:
        return None
    return text[start : stop + len(end)] + "\n"


def tls_extension(tls: Any, server_cert: str | None) -> dict[str, Any]:
    """The ``tls`` extension of a connection whose TLS object is ``tls``.

    ``tls`` has the stdlib ``SSLObject``'s ``getpeercert``, ``version`` and ``cipher``, and
    may add ``get_unverified_chain()`` (the client's chain, its own certificate first) and
    ``server_certificate()`` (the PEM sent); else ``server_cert`` is the PEM reported.
    """
    der = tls.getpeercert(binary_form=True)
    chain: list[str] = []
    name = None
    if der is not None:
        unverified = getattr(tls, "get_unverified_chain", None)  # Python 3.13, Twisted's view
        chain = [_pem(cert) for cert in unverified()] if unverified is not None else []
        if not chain:
            chain = [ssl.DER_cert_to_PEM_cert(der)]
        subject = tls.getpeercert().get("subject", ())
        name = rfc4514([list(rdn) for rdn in subject])
    own = getattr(tls, "server_certificate", None)
    cipher = tls.cipher()
    return {
        "server_cert": own() if own is not None else server_cert,
        "client_cert_chain": chain,
        "client_cert_name": name,
        "client_cert_error": None,  # a certificate that fails its check fails the handshake
        "tls_version": TLS_VERSIONS.get(tls.version()),
        "cipher_suite": cipher_suite_id(cipher[0] if cipher else None),
    }


def _pem(der: bytes) -> str:
    return ssl.DER_cert_to_PEM_cert(der)

"""A throwaway certificate authority and the 127.0.0.1/localhost certificate it signs."""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass

import trustme
from cryptography.hazmat.primitives import serialization

KEY_PASSWORD = "open sesame"


@dataclass
class TLSFiles:
    """PEM files of one server certificate, and the CA clients trust it by."""

    ca: trustme.CA
    certfile: str
    keyfile: str
    encrypted_keyfile: str
    """``keyfile`` encrypted with ``KEY_PASSWORD``."""
    ca_certfile: str

    def server_args(self) -> list[str]:
        """The ``albany`` options that serve TLS with this certificate."""
        return ["--ssl-certfile", self.certfile, "--ssl-keyfile", self.keyfile]

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts the CA (and so the server)."""
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        return context


def make_tls_files(directory: str) -> TLSFiles:
    """Issue a fresh CA and server certificate and write their PEM files into ``directory``."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    files = TLSFiles(
        ca=ca,
        certfile=os.path.join(directory, "cert.pem"),
        keyfile=os.path.join(directory, "key.pem"),
        encrypted_keyfile=os.path.join(directory, "key-encrypted.pem"),
        ca_certfile=os.path.join(directory, "ca.pem"),
    )
    for pem in cert.cert_chain_pems:
        pem.write_to_path(files.certfile, append=True)
    cert.private_key_pem.write_to_path(files.keyfile)
    ca.cert_pem.write_to_path(files.ca_certfile)
    key = serialization.load_pem_private_key(cert.private_key_pem.bytes(), password=None)
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(KEY_PASSWORD.encode()),
    )
    with open(files.encrypted_keyfile, "wb") as file:
        file.write(encrypted)
    return files

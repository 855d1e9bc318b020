"""Sans-IO pieces of the operations and TLS work: no server, no loop."""

from __future__ import annotations

import os
import socket

import pytest

from albany.config import Config
from albany.errors import StartupError
from albany.gateway.server_state import _static_headers
from albany.gateway.tls import rfc4514, tls_extension
from albany.sockets import systemd_sockets


class FakeTLS:
    """The ``SSLObject`` methods ``tls_extension`` reads, answering as a TLS 1.3 session."""

    def __init__(self, der: bytes | None, subject: tuple[object, ...] = ()) -> None:
        self.der = der
        self.subject = subject

    def getpeercert(self, binary_form: bool = False) -> object:
        if self.der is None:
            return None
        return self.der if binary_form else {"subject": self.subject}

    def version(self) -> str:
        return "TLSv1.3"

    def cipher(self) -> tuple[str, str, int]:
        return ("TLS_AES_128_GCM_SHA256", "TLSv1.3", 128)


def test_tls_extension_without_and_with_a_client_certificate() -> None:
    plain = tls_extension(FakeTLS(None), "PEM")
    assert plain == {
        "server_cert": "PEM",
        "client_cert_chain": [],
        "client_cert_name": None,
        "client_cert_error": None,
        "tls_version": 0x0304,
        "cipher_suite": 0x1301,
    }
    subject = ((("countryName", "GB"),), (("organizationName", "A+B"),), (("commonName", "x"),))
    known = tls_extension(FakeTLS(b"\x30\x00", subject), None)
    assert known["client_cert_chain"][0].startswith("-----BEGIN CERTIFICATE-----")
    assert known["client_cert_name"] == "CN=x,O=A\\+B,C=GB"


def test_rfc4514_escapes() -> None:
    assert rfc4514([[("CN", " lead")], [("CN", "#x")], [("CN", 'a,b;"c"=<d>\\')]]) == (
        'CN=a\\,b\\;\\"c\\"\\=\\<d\\>\\\\,CN=\\#x,CN=\\ lead'
    )
    assert rfc4514([[("CN", "a"), ("UID", "1")]]) == "CN=a+UID=1"
    assert rfc4514([[("emailAddress", "e@x")]]) == "1.2.840.113549.1.9.1=e@x"


def test_static_headers() -> None:
    assert _static_headers(Config()) == (b"server: albany\r\n", True)
    lines, date = _static_headers(Config(headers=[("X-A", "1"), ("date", "never")]))
    assert lines == b"server: albany\r\nx-a: 1\r\ndate: never\r\n" and not date
    assert _static_headers(Config(server_header=False, date_header=False)) == (b"", False)
    with pytest.raises(StartupError, match="--header: Invalid response header name"):
        _static_headers(Config(headers=[("bad name", "1")]))
    with pytest.raises(StartupError, match="Transfer-Encoding is set by the server"):
        _static_headers(Config(headers=[("Transfer-Encoding", "chunked")]))


def test_systemd_sockets_only_for_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LISTEN_FDS", "1")
    monkeypatch.setenv("LISTEN_PID", str(os.getpid() + 1))
    assert systemd_sockets() == []
    assert "LISTEN_FDS" not in os.environ and "LISTEN_PID" not in os.environ
    assert systemd_sockets() == []  # nothing passed


def test_systemd_sockets_takes_descriptor_3_on(monkeypatch: pytest.MonkeyPatch) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    try:
        saved: int | None = os.dup(3)  # whatever the test process has at 3, put back afterwards
    except OSError:
        saved = None
    try:
        os.dup2(listener.fileno(), 3)
        monkeypatch.setenv("LISTEN_FDS", "1")
        monkeypatch.setenv("LISTEN_PID", str(os.getpid()))
        (sock,) = systemd_sockets()
        assert sock.fileno() == 3 and sock.getsockname() == listener.getsockname()
        assert not sock.getblocking() and not sock.get_inheritable()
        sock.detach()
    finally:
        if saved is None:
            os.close(3)
        else:
            os.dup2(saved, 3)
            os.close(saved)
        listener.close()

"""TLS on every loop: https and wss scopes, keep-alive, start-up errors, plain HTTP refused."""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import sys
from typing import Any, Iterator

import httpx
import pytest

from albany.config import Config
from albany.errors import MissingDependency, StartupError
from albany.sockets import ssl_context
from albany.testing import LiveServer
from tests.apps.contract import app as neutral_app

pytest.importorskip("trustme")

from tests.tls_certs import KEY_PASSWORD, TLSFiles, make_tls_files  # noqa: E402


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TLSFiles:
    return make_tls_files(str(tmp_path_factory.mktemp("tls")))


@pytest.fixture
def https(start_server: Any, tls: TLSFiles) -> Iterator[tuple[LiveServer, httpx.Client]]:
    """The contract app over TLS, and a client that trusts its certificate."""
    server: LiveServer = start_server("tests.apps.contract:app", *tls.server_args())
    base_url = f"https://{server.host}:{server.port}"
    with httpx.Client(base_url=base_url, verify=tls.client_context()) as client:
        yield server, client


def failed_start(server: LiveServer) -> str:
    """Start a server that must fail; its one-line error, checked for a traceback."""
    with pytest.raises(RuntimeError):
        server.start(timeout=15)
    assert server.process.returncode not in (0, None)
    output = server.output()
    assert "Traceback" not in output
    errors = [line for line in output.splitlines() if line.startswith("albany: error:")]
    assert len(errors) == 1, output
    return errors[0]


def test_https_request(https: tuple[LiveServer, httpx.Client]) -> None:
    server, client = https
    response = client.get("/")
    assert response.status_code == 200
    assert response.text == "Hello, world!"
    scope = client.get("/scope").json()
    assert scope["scheme"] == "https"
    assert scope["server"] == [server.host, server.port]


def test_keep_alive_over_tls(https: tuple[LiveServer, httpx.Client]) -> None:
    _, client = https
    first = client.get("/scope").json()
    second = client.get("/scope").json()
    assert first["client"] == second["client"]  # the same TLS connection served both


@pytest.mark.parametrize("request_bytes", [b"Connection: close\r\n", b"Content-Length: x\r\n"])
def test_a_closing_response_ends_tls_with_close_notify(
    https: tuple[LiveServer, httpx.Client], tls: TLSFiles, request_bytes: bytes
) -> None:
    """A response that closes (asked for, or an error) ends TLS cleanly: the client reads
    the whole response, then close_notify, not a bare TCP end (SSLEOFError)."""
    server, _ = https
    context = tls.client_context()
    with socket.create_connection((server.host, server.port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n" + request_bytes + b"\r\n")
            received = b""
            while chunk := sock.recv(65536):  # an SSLEOFError here: no close_notify
                received += chunk
    assert received.startswith(b"HTTP/1.1 ")
    assert b"connection: close" in received.lower()


def test_websocket_over_tls(start_server: Any, tls: TLSFiles) -> None:
    # The asyncio client: the sync one reads and writes its TLS socket from two threads,
    # which now and then loses the handshake response whatever the server.
    from websockets.asyncio.client import connect

    server: LiveServer = start_server("tests.websocket.apps:echo", *tls.server_args())

    async def scope() -> Any:
        url = f"wss://{server.host}:{server.port}/echo"
        async with connect(url, ssl=tls.client_context(), open_timeout=10) as websocket:
            await websocket.send("hello")
            assert await asyncio.wait_for(websocket.recv(), 10) == "hello"
            await websocket.send("scope")
            return json.loads(await asyncio.wait_for(websocket.recv(), 10))

    described = asyncio.run(scope())
    assert described["scheme"] == "wss"
    assert described["tls"]["server_cert"] == _first_pem(tls.certfile)
    assert described["tls"]["client_cert_chain"] == []


def test_plain_http_to_tls_port_is_refused(https: tuple[LiveServer, httpx.Client]) -> None:
    server, client = https
    with socket.create_connection((server.host, server.port), timeout=10) as raw:
        raw.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        received = b""
        try:
            while chunk := raw.recv(4096):
                received += chunk
        except ConnectionResetError:
            pass
    assert b"HTTP/1.1" not in received
    assert client.get("/").status_code == 200
    assert server.process.poll() is None
    assert "Traceback" not in server.output()


def test_encrypted_key_with_password(start_server: Any, tls: TLSFiles) -> None:
    server: LiveServer = start_server(
        "tests.apps.contract:app",
        *("--ssl-certfile", tls.certfile, "--ssl-keyfile", tls.encrypted_keyfile),
        *("--ssl-keyfile-password", KEY_PASSWORD),
    )
    url = f"https://{server.host}:{server.port}/scope"
    assert httpx.get(url, verify=tls.client_context()).json()["scheme"] == "https"


def test_missing_key_file_is_a_one_line_error(loop: str, tls: TLSFiles, tmp_path: Any) -> None:
    missing = str(tmp_path / "no-such-key.pem")
    args = ["--ssl-certfile", tls.certfile, "--ssl-keyfile", missing]
    error = failed_start(LiveServer("tests.apps.contract:app", loop, args))
    assert error == f"albany: error: Cannot read the TLS key {missing}: No such file or directory"


def test_wrong_key_password_is_a_one_line_error(loop: str, tls: TLSFiles) -> None:
    args = ["--ssl-certfile", tls.certfile, "--ssl-keyfile", tls.encrypted_keyfile]
    args += ["--ssl-keyfile-password", "wrong"]
    error = failed_start(LiveServer("tests.apps.contract:app", loop, args))
    assert "Cannot load the TLS certificate" in error
    assert "password is missing or wrong" in error


def test_ssl_context_checks_its_settings(tls: TLSFiles) -> None:
    with pytest.raises(StartupError, match="need a certificate"):
        ssl_context(Config(ssl_keyfile=tls.keyfile))
    with pytest.raises(StartupError, match="needs their CA"):
        ssl_context(Config(ssl_certfile=tls.certfile, ssl_keyfile=tls.keyfile, ssl_cert_reqs=2))
    with pytest.raises(ValueError, match="ssl_cert_reqs must be one of 0, 1, 2, not 7"):
        Config(ssl_certfile=tls.certfile, ssl_cert_reqs=7)  # refused where it is set
    with pytest.raises(StartupError, match="not both"):
        ssl_context(Config(ssl=_context(tls), ssl_certfile=tls.certfile))
    with pytest.raises(StartupError, match="Cannot load the TLS certificate"):
        ssl_context(Config(ssl_certfile=tls.keyfile, ssl_keyfile=tls.keyfile))
    assert ssl_context(Config()) is None


def _context(tls: TLSFiles) -> Any:
    return ssl_context(Config(ssl_certfile=tls.certfile, ssl_keyfile=tls.keyfile))


def test_client_certificates_are_required_when_asked(start_server: Any, tls: TLSFiles) -> None:
    server: LiveServer = start_server(
        "tests.apps.contract:app",
        *tls.server_args(),
        *("--ssl-ca-certs", tls.ca_certfile, "--ssl-cert-reqs", "2"),
    )
    url = f"https://{server.host}:{server.port}/"
    with pytest.raises(httpx.HTTPError):
        httpx.get(url, verify=tls.client_context())
    client_cert = tls.ca.issue_cert("client@example.com")
    context = tls.client_context()
    client_cert.configure_cert(context)
    assert httpx.get(url, verify=context).status_code == 200


@pytest.mark.parametrize("backend", ["asyncio", "tornado"])
def test_ready_ssl_context_when_embedded(tls: TLSFiles, backend: str) -> None:
    if backend == "tornado":
        pytest.importorskip("tornado")
        from albany.backends.tornado import TornadoServer as Server
    else:
        from albany.backends.asyncio import AsyncioServer as Server  # type: ignore[assignment]

    async def main() -> str:
        config = Config(port=0, access_log=False, ssl=_context(tls))
        server = Server(neutral_app, config)
        await server.start()
        port = server.sockets[0].getsockname()[1]
        async with httpx.AsyncClient(verify=tls.client_context()) as client:
            response = await client.get(f"https://127.0.0.1:{port}/scope")
        await server.stop()
        scheme: str = response.json()["scheme"]
        return scheme

    assert asyncio.run(main()) == "https"


def test_twisted_refuses_a_ready_ssl_context(tls: TLSFiles) -> None:
    pytest.importorskip("twisted")
    from albany.backends.twisted.server import tls_options

    with pytest.raises(StartupError, match="cannot serve a ready ssl.SSLContext"):
        tls_options(Config(ssl=_context(tls)))


def test_twisted_without_pyopenssl_names_the_extra(
    tls: TLSFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("twisted")
    from albany.backends.twisted.server import tls_options

    monkeypatch.setitem(sys.modules, "OpenSSL", None)
    with pytest.raises(MissingDependency, match=r'pip install "albany\[tls\]"'):
        tls_options(Config(ssl_certfile=tls.certfile, ssl_keyfile=tls.keyfile))


def _first_pem(path: str) -> str:
    with open(path) as file:
        text = file.read()
    end = "-----END CERTIFICATE-----"
    return text[: text.index(end) + len(end)] + "\n"


def _expected_session(context: ssl.SSLContext, port: int) -> tuple[int, int]:
    """The TLS version and cipher suite number a client with ``context`` negotiates."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls_socket:
            version = tls_socket.version()
            name = tls_socket.cipher()[0]  # type: ignore[index]
    suites = {c["name"]: c["id"] & 0xFFFF for c in context.get_ciphers()}
    versions = {"TLSv1.2": 0x0303, "TLSv1.3": 0x0304}
    return versions[version or ""], suites[name]


def test_tls_extension_with_and_without_a_client_certificate(
    start_server: Any, tls: TLSFiles
) -> None:
    from cryptography import x509

    server: LiveServer = start_server(
        "tests.apps.contract:app",
        *tls.server_args(),
        *("--ssl-ca-certs", tls.ca_certfile, "--ssl-cert-reqs", "1"),
    )
    url = f"https://{server.host}:{server.port}/scope"
    anonymous = httpx.get(url, verify=tls.client_context()).json()
    extension = anonymous["tls"]
    assert "tls" in anonymous["extensions"]
    assert extension["server_cert"] == _first_pem(tls.certfile)
    assert extension["client_cert_chain"] == []
    assert extension["client_cert_name"] is None
    assert extension["client_cert_error"] is None
    version, suite = _expected_session(tls.client_context(), server.port)
    assert extension["tls_version"] == version
    assert extension["cipher_suite"] == suite

    client_cert = tls.ca.issue_cert("client@example.com", common_name="Client, One")
    context = tls.client_context()
    client_cert.configure_cert(context)
    known = httpx.get(url, verify=context).json()["tls"]
    leaf = client_cert.cert_chain_pems[0].bytes().decode("ascii")
    assert known["client_cert_chain"][0] == leaf
    subject = x509.load_pem_x509_certificate(leaf.encode()).subject
    assert known["client_cert_name"] == subject.rfc4514_string()
    assert "CN=Client\\, One" in known["client_cert_name"]
    assert known["client_cert_error"] is None
    assert known["server_cert"] == extension["server_cert"]


def test_no_tls_extension_on_plain_connections(server: LiveServer) -> None:
    scope = httpx.get(f"{server.url}/scope").json()
    assert "tls" not in scope["extensions"]
    assert scope["tls"] is None


def test_tls_extension_client_chain_through_an_intermediate(
    start_server: Any, tls: TLSFiles, loop: str
) -> None:
    server: LiveServer = start_server(
        "tests.apps.contract:app",
        *tls.server_args(),
        *("--ssl-ca-certs", tls.ca_certfile, "--ssl-cert-reqs", "2"),
    )
    intermediate = tls.ca.create_child_ca()
    client_cert = intermediate.issue_cert("client@example.com", common_name="Chained")
    context = tls.client_context()
    client_cert.configure_cert(context)  # sends its certificate and the intermediate's
    url = f"https://{server.host}:{server.port}/scope"
    chain = httpx.get(url, verify=context).json()["tls"]["client_cert_chain"]
    pems = [pem.bytes().decode("ascii") for pem in client_cert.cert_chain_pems]
    assert chain[0] == pems[0]
    if loop.startswith("twisted") or sys.version_info >= (3, 13):
        assert chain == pems[: len(chain)] and len(chain) >= 2  # the intermediate too
    else:  # the standard library before 3.13 gives the client's own certificate alone
        assert chain == pems[:1]

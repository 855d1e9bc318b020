"""The drop-in ``Site`` behind TLS offers by ALPN only what Albany speaks, and answers.

Twisted's ``Site`` offers ``h2`` when the ``h2`` package is installed; Albany's connection
speaks HTTP/1.1 only, so a client that chose ``h2`` (curl, browsers) got no answer.
"""

from __future__ import annotations

import os
import socket
from typing import Iterator

import pytest

pytest.importorskip("OpenSSL")
pytest.importorskip("trustme")

from albany.testing import LiveServer  # noqa: E402
from tests.adapters.twisted_web.conftest import TwistedSiteServer  # noqa: E402
from tests.tls_certs import TLSFiles, make_tls_files  # noqa: E402

REACTORS = {"epoll": (), "asyncio-uvloop": ("--reactor", "asyncio")}


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TLSFiles:
    return make_tls_files(str(tmp_path_factory.mktemp("tls")))


@pytest.fixture(scope="module", params=list(REACTORS))
def tls_dropin(request: pytest.FixtureRequest, tls_files: TLSFiles) -> Iterator[LiveServer]:
    directory = os.path.dirname(tls_files.certfile)
    server = TwistedSiteServer("--albany", "--tls", directory, *REACTORS[request.param]).start()
    yield server
    server.stop()


def test_alpn_settles_on_http_1_1_and_the_request_is_answered(
    tls_dropin: LiveServer, tls_files: TLSFiles
) -> None:
    context = tls_files.client_context()
    context.set_alpn_protocols(["h2", "http/1.1"])  # as curl and browsers offer
    with socket.create_connection((tls_dropin.host, tls_dropin.port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as sock:
            assert sock.selected_alpn_protocol() == "http/1.1"
            sock.sendall(b"GET /reason HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            response = b""
            while piece := sock.recv(65536):
                response += piece
    assert response.startswith(b"HTTP/1.1 299 Mostly Fine\r\n")
    assert response.endswith(b"\r\n\r\nreasoned")

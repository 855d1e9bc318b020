"""``albany_tornado.HTTPServer(ssl_options=…)`` serves TLS, in both of Tornado's forms.

The drop-in runs in a process of its own (``reference_server --dropin``), on the backend
of each loop of the run; the test is a real TLS client trusting a throwaway CA.
"""

from __future__ import annotations

from typing import Iterator

import httpx
import pytest

from tests.adapters.tornado.conftest import ReferenceServer
from tests.adapters.tornado.test_dropin_startup import BACKENDS

pytest.importorskip("trustme")

from tests.tls_certs import TLSFiles, make_tls_files  # noqa: E402

pytest.importorskip("trustme")


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TLSFiles:
    return make_tls_files(str(tmp_path_factory.mktemp("tornado-tls")))


def dropin(loop: str, form: str, tls: TLSFiles) -> ReferenceServer:
    if loop == "uvloop":
        pytest.importorskip("uvloop")
    args = ["--dropin", BACKENDS[loop], "--tls", form, tls.certfile, tls.keyfile]
    return ReferenceServer(*args, *(["--uvloop"] if loop == "uvloop" else []))


@pytest.fixture(params=["dict", "context"])
def tls_server(request: pytest.FixtureRequest, loop: str, tls_files: TLSFiles) -> Iterator[str]:
    form: str = request.param
    if form == "context" and BACKENDS[loop] == "twisted":
        pytest.skip("the Twisted backend takes certificate files (test_twisted_refuses_…)")
    server = dropin(loop, form, tls_files).start()
    yield server.url
    assert server.stop() == 0, "".join(server.lines)


def test_ssl_options_serve_https(tls_server: str, tls_files: TLSFiles) -> None:
    assert tls_server.startswith("https://")
    with httpx.Client(verify=tls_files.client_context()) as client:
        for _ in range(2):  # keep-alive over the TLS connection
            answer = client.get(tls_server + "/echo?x=1").json()
            assert answer["protocol"] == "https"
            assert answer["full_url"] == tls_server + "/echo?x=1"


def test_plain_http_to_the_tls_port_gets_no_response(tls_server: str) -> None:
    with httpx.Client() as client, pytest.raises(httpx.HTTPError):
        client.get(tls_server.replace("https://", "http://") + "/")


def test_twisted_refuses_a_context_with_a_reason(tls_files: TLSFiles) -> None:
    import ssl

    from tornado.web import Application

    from albany_tornado import HTTPServer

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls_files.certfile, tls_files.keyfile)
    with pytest.raises(ValueError, match="certificate files"):
        HTTPServer(Application(), ssl_options=context, backend="twisted")
    server = HTTPServer(  # the default ssl_version is what the certificate files give anyway
        Application(),
        ssl_options={
            "certfile": tls_files.certfile,
            "keyfile": tls_files.keyfile,
            "ssl_version": ssl.PROTOCOL_TLS_SERVER,
        },
        backend="twisted",
    )
    assert server.config.ssl_certfile == tls_files.certfile and server.config.ssl is None
    with pytest.raises(ValueError, match="does not exist"):  # Tornado's own check
        HTTPServer(Application(), ssl_options={"certfile": "/nonexistent.pem"})

"""The drop-in ``albany_twisted_web.Site``: listenTCP and endpoints, epoll and asyncio reactors."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from typing import Iterator

import httpx
import pytest

from albany.testing import LiveServer
from tests.adapters.twisted_web.conftest import TwistedSiteServer
from tests.conftest import ROOT_DIR

WAYS = {
    "listenTCP-epoll": ("--albany",),
    "endpoint-asyncio-uvloop": ("--albany", "--endpoint", "--reactor", "asyncio"),
}


@pytest.fixture(scope="module", params=list(WAYS))
def dropin(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    server = TwistedSiteServer(*WAYS[request.param]).start()
    yield server
    server.stop()


def test_serves_the_tree_through_albany(dropin: LiveServer) -> None:
    response = httpx.get(dropin.url + "/args?a=1")
    assert response.headers["server"] == "albany"  # parsed by Albany, not HTTPChannel
    assert response.json()["args"] == {"a": ["1"]}
    assert httpx.post(dropin.url + "/args", data={"f": "v"}).json()["args"] == {"f": ["v"]}


def test_keeps_sessions_per_site(dropin: LiveServer) -> None:
    with httpx.Client(base_url=dropin.url) as client:
        assert [client.get("/session").json()["hits"] for _ in range(3)] == [1, 2, 3]


def test_static_and_deferred(dropin: LiveServer) -> None:
    ranged = httpx.get(dropin.url + "/static/data.bin", headers={"range": "bytes=0-3"})
    assert ranged.status_code == 206 and ranged.content == bytes([0, 1, 2, 3])
    assert httpx.get(dropin.url + "/deferred").text == "deferred body"
    big = httpx.get(dropin.url + "/produce?size=3000000", timeout=20)
    assert len(big.content) == 3_000_000


def test_site_attributes_are_honoured() -> None:
    from twisted.web.resource import Resource
    from twisted.web.server import Request

    from albany_twisted_web import Site

    class MyRequest(Request):
        pass

    site = Site(Resource(), MyRequest, timeout=7)
    assert site.requestFactory is MyRequest and site.timeOut == 7
    assert site.server_state().config.timeout_keep_alive == 7.0
    assert site.server_state().config.access_log is False


def test_drop_in_site_under_twistd() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    twistd = os.path.join(os.path.dirname(sys.executable), "twistd")
    tac = os.path.join(ROOT_DIR, "tests", "adapters", "twisted_web", "site.tac")
    process = subprocess.Popen(
        [twistd, "-n", "--pidfile=", "-y", tac],
        cwd=ROOT_DIR,
        env=dict(os.environ, PYTHONPATH=ROOT_DIR, ALBANY_TEST_PORT=str(port)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline, (
                    "twistd did not serve"
                )
                time.sleep(0.1)
        assert response.status_code == 200
        assert response.headers["server"] == "albany"  # Albany's core answered, not HTTPChannel
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(15)

"""A twisted.web tree through Albany on every loop: what Twisted's Site cannot be compared on.

URLs under ``--root-path``, addresses, pull producers, bodies read as they stream in,
an asyncio app mounted in the tree, Klein.
"""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from albany.testing import LiveServer
from tests.adapters.twisted_web.conftest import SITE
from tests.adapters.twisted_web.test_differential import events


def test_request_knows_its_urls_and_addresses(albany_site: LiveServer) -> None:
    where = httpx.get(albany_site.url + "/nested/where").json()
    assert where == {
        "prepath": ["nested", "where"],
        "postpath": [],
        "sitepath": [],
        "prePathURL": f"{albany_site.url}/nested/where",
        "URLPath": f"{albany_site.url}/nested/where",
        "client": "127.0.0.1",
        "host_port": albany_site.port,
        "secure": False,
        "repr": "<Request GET uri=/nested/where clientproto=HTTP/1.1>",
    }


def test_root_path_is_the_sites_own_path(start_server: object) -> None:
    server: LiveServer = start_server(SITE + ":root", "--root-path", "/mount")  # type: ignore[operator]
    where = httpx.get(server.url + "/nested/where?x=1").json()
    assert where["prepath"] == ["mount", "nested", "where"]
    assert where["sitepath"] == ["mount"]
    assert where["prePathURL"] == f"{server.url}/mount/nested/where"
    # the session cookie is scoped by the site path, as under a Twisted sub-site
    cookie = httpx.get(server.url + "/session").headers["set-cookie"]
    assert cookie.startswith("TWISTED_SESSION_mount=")
    # the client's path is below the mount point: "/" is the site's root
    assert httpx.get(server.url + "/").text == "root"


def test_pull_producer_streams_whole_body(albany_site: LiveServer) -> None:
    size = 5 * 1024 * 1024 + 17
    response = httpx.get(albany_site.url + f"/produce?size={size}&kind=pull", timeout=30)
    assert response.status_code == 200
    assert len(response.content) == size


def test_disconnect_stops_push_producer(albany_site: LiveServer) -> None:
    tag = f"stop-{time.monotonic_ns()}"
    with socket.create_connection((albany_site.host, albany_site.port), timeout=10) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        sock.sendall(f"GET /produce?size={1 << 30}&tag={tag} HTTP/1.1\r\nHost: a\r\n\r\n".encode())
        assert sock.recv(65536)
        time.sleep(0.3)  # the producer is paused, waiting on the reader, when it goes
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        seen = events(albany_site)
        if f"push-stopped {tag}" in seen and f"push-lost {tag}" in seen:
            break
        time.sleep(0.05)
    else:
        raise AssertionError(f"producer not stopped: {events(albany_site)[-5:]}")


def test_streaming_body_arrives_in_pieces(mixed_site: LiveServer) -> None:
    def trickle() -> object:
        for _ in range(8):
            yield b"p" * 10000
            time.sleep(0.02)

    response = httpx.put(mixed_site.url + "/upload", content=trickle(), timeout=20)
    assert response.json()["size"] == 80000
    assert response.json()["pieces"] > 1  # rendered from pieces, not one buffered body


def test_other_resources_still_get_buffered_bodies(mixed_site: LiveServer) -> None:
    response = httpx.post(mixed_site.url + "/args?q=1", data={"a": "1"})
    assert response.json()["args"] == {"a": ["1"], "q": ["1"]}


def test_asyncio_app_mounted_in_the_tree(mixed_site: LiveServer) -> None:
    if mixed_site.loop == "twisted":
        pytest.skip("the epoll reactor has no asyncio loop (see the next test)")
    body = b"b" * 200_000
    response = httpx.post(mixed_site.url + "/asgi/deep/path?q=2", content=body, timeout=20)
    assert response.status_code == 200
    assert response.headers["x-app"] == "asgi"
    data = response.json()
    assert data["root_path"] == "/asgi"
    assert data["path"] == "/asgi/deep/path"
    assert data["query"] == "q=2"
    assert data["body"] == len(body)
    assert data["flavour"] == "asyncio"
    streamed = httpx.get(mixed_site.url + "/asgi/?size=20000000", timeout=30)
    assert len(streamed.content) == 20_000_000


@pytest.mark.loops("twisted")
def test_asyncio_app_on_epoll_reactor_fails_clearly(mixed_site: LiveServer) -> None:
    response = httpx.get(mixed_site.url + "/asgi/")
    assert response.status_code == 500
    deadline = time.monotonic() + 5
    while "needs Twisted's asyncio reactor" not in mixed_site.output():
        assert time.monotonic() < deadline, mixed_site.output()[-2000:]
        time.sleep(0.05)


def test_klein_app(start_server: object, loop: str) -> None:
    pytest.importorskip("klein")
    # Klein imports the reactor at import time: on an asyncio loop Albany has put the
    # asyncio reactor on its loop before the import, with no --reactor needed.
    server: LiveServer = start_server("tests.adapters.twisted_web.klein_site:app")  # type: ignore[operator]
    hello = httpx.get(server.url + "/hello/bob?x=1")
    assert hello.text == "hello bob 1"
    # a route that returns its whole body: one piece with a Content-Length, not chunked
    assert hello.headers["content-length"] == "11" and "transfer-encoding" not in hello.headers
    assert httpx.get(server.url + "/later").text == "later"
    assert httpx.post(server.url + "/form", data={"b": "1", "a": "2"}).text == "a,b"
    assert httpx.get(server.url + "/nope").status_code == 404

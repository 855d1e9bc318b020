"""The response head as twisted.web writes it: when it goes out, its reason, its framing.

Each case runs on Albany on every loop, on the drop-in ``Site`` and on Twisted's own
``Site`` (the reference, once).
"""

from __future__ import annotations

import socket

import httpx
import pytest

from albany.testing import LiveServer

KINDS = {"albany": "albany_site", "dropin": "dropin_site", "twisted-site": "twisted_site"}


@pytest.fixture(params=list(KINDS))
def web_server(request: pytest.FixtureRequest, loop: str) -> LiveServer:
    """The tree on Albany (on ``loop``), on the drop-in Site, or on Twisted's own Site."""
    if request.param != "albany" and loop != "asyncio":
        pytest.skip("served on Twisted's reactor: runs once")
    server: LiveServer = request.getfixturevalue(KINDS[request.param])
    return server


def read_head(server: LiveServer, path: str) -> tuple[bytes, bytes]:
    """The head of the response to ``GET path`` and what came with it, read as it arrives."""
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: a\r\n\r\n".encode())
        data = b""
        while b"\r\n\r\n" not in data:
            piece = sock.recv(4096)
            assert piece, f"closed before the head: {data!r}"
            data += piece
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


@pytest.mark.parametrize("path", ["/head-first", "/head-first?later=1"])
def test_write_of_nothing_sends_the_head(web_server: LiveServer, path: str) -> None:
    # the resource writes b"" and waits: no body piece ever comes to carry the head
    head, rest = read_head(web_server, path)
    assert head.startswith(b"HTTP/1.1 200 ")
    assert b"content-type: text/event-stream" in head.lower()
    assert rest == b""


def test_set_response_code_message_is_the_reason_phrase(web_server: LiveServer) -> None:
    response = httpx.get(web_server.url + "/reason")
    assert (response.status_code, response.reason_phrase) == (299, "Mostly Fine")
    assert response.text == "reasoned"


def test_rendered_bytes_get_a_content_length(web_server: LiveServer) -> None:
    response = httpx.get(web_server.url + "/reason")
    assert response.headers["content-length"] == str(len(b"reasoned"))
    assert "transfer-encoding" not in response.headers


@pytest.mark.parametrize("kind", ["albany", "dropin"])
def test_reason_with_a_line_break_is_refused(
    kind: str, request: pytest.FixtureRequest, loop: str
) -> None:
    if kind == "dropin" and loop != "asyncio":
        pytest.skip("served on Twisted's reactor: runs once")
    server: LiveServer = request.getfixturevalue(KINDS[kind])
    response = httpx.get(server.url + "/reason", params={"say": "Bad\r\nX-Injected: 1"})
    assert response.status_code == 500
    assert "x-injected" not in response.headers

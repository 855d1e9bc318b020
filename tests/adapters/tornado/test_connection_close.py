"""When Tornado closes the connection after a response, Albany closes it too."""

from __future__ import annotations

import socket

import pytest

from albany.testing import LiveServer
from tests.contract.raw import ResponseReader, connect
from tests.observe import events


def until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes; a timeout fails the test."""
    sock.settimeout(10)
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


@pytest.mark.parametrize("how", ["short", "long", "detach"])
def test_a_response_that_cannot_complete_closes_the_connection(
    tornado_server: LiveServer, how: str
) -> None:
    with connect(tornado_server) as sock:
        sock.sendall(f"GET /wrong-length/{how} HTTP/1.1\r\nHost: a\r\n\r\n".encode())
        received = until_closed(sock)
    head, _, body = received.partition(b"\r\n\r\n")
    if head.startswith(b"HTTP/1.1 200"):  # the head went out: the client sees it truncated
        assert len(body) < (100 if how == "detach" else 10)
    else:  # nothing was written yet (the whole body in one write): Albany's 500
        assert head.startswith(b"HTTP/1.1 500")
    expected = {
        "short": "wrong-length short: Tried to write 5 bytes less than Content-Length",
        "long": "wrong-length long: Tried to write more data than Content-Length",
    }
    if how in expected:  # the handler's finish() raised Tornado's HTTPOutputError
        assert expected[how] in events(tornado_server)


def test_an_early_answer_to_a_streamed_upload_closes_the_connection(
    tornado_server: LiveServer,
) -> None:
    with connect(tornado_server) as sock:
        head = "PUT /early-401 HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n\r\n"
        sock.sendall(head.encode() + b"x" * 1000)  # most of the body never comes
        response = ResponseReader(sock).read()
        assert response.status == 401
        assert response.header("connection") == "close"
        until_closed(sock)

"""Mutated request streams sent to a live server on every loop, over real sockets.

What the sans-IO reader makes of each stream says what the server must do: answer every
request it completes, in order, never with a 5xx; after a protocol error, answer it (when
the answer gets through; the app may have answered the request whose body broke) and
close; after a request that ends the connection, close. The
server answers or closes: a socket that stays silent past its timeout fails the test. And
after every stream the server still serves a plain GET on a new connection.
"""

from __future__ import annotations

import socket

import pytest
from hypothesis import HealthCheck, given, settings

from albany.testing import LiveServer
from tests.contract.raw import ResponseReader, connect, is_closed
from tests.fuzz.conftest import scaled
from tests.fuzz.reading import albany_read
from tests.fuzz.streams import mutations

WAIT = 10.0  # seconds a socket may stay silent before the server counts as hung


def serves_a_plain_get(server: LiveServer) -> bool:
    with connect(server, timeout=WAIT) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        return ResponseReader(sock).read().status == 200


def is_closed_after(reader: ResponseReader, sock: socket.socket) -> bool:
    """Whether the server closed with nothing more after what ``reader`` has read."""
    if reader.buffer:
        return False
    sock.settimeout(WAIT)  # silence past it is a hang: TimeoutError fails the test
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except ConnectionResetError:
        return True


def check_stream(server: LiveServer, data: bytes) -> None:
    outcome = albany_read([data])
    complete = [message for message in outcome.messages if message.complete]
    if any(name == b"upgrade" or name == b"expect" for m in complete for name, _ in m.head.fields):
        return  # a switch to WebSocket or an interim response: not this test's subject
    with connect(server, timeout=WAIT) as sock:
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server refused early and closed: the checks below still hold
        reader = ResponseReader(sock)
        try:
            for message in complete:
                response = reader.read(head=message.head.method == b"HEAD")
                assert response.status < 500, f"{response.status} for {message.head}"
            if outcome.status is not None:
                response = reader.read()
                if response.status != outcome.status and len(outcome.messages) > len(complete):
                    # the app answered the request whose body then broke: the error's
                    # answer may follow, or the server just closes
                    assert response.status < 500
                    if not is_closed_after(reader, sock):
                        assert reader.read().status == outcome.status
                else:
                    assert response.status == outcome.status
        except ConnectionError:
            # closed early: allowed only after a protocol error (its answer may be lost
            # to the reset of a close with unread input)
            assert outcome.status is not None, "the server closed before answering"
            return
        except TimeoutError:
            pytest.fail(f"no answer within {WAIT}s to {data!r}")
        if outcome.status is not None or outcome.finished:
            assert is_closed(sock, timeout=WAIT), "still open after the last request"


@pytest.mark.timeout(600)
@settings(
    max_examples=scaled(40),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=mutations())
def test_mutated_streams_on_a_live_server(server: LiveServer, data: bytes) -> None:
    try:
        check_stream(server, data)
    except TimeoutError:
        pytest.fail(f"no answer within {WAIT}s to {data!r}")
    assert serves_a_plain_get(server)

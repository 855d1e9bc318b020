"""How Albany hands requests to aiohttp, on every loop: what aiohttp's own server would do.

``Expect: 100-continue``, state stored at start-up, ``handler_args``, bodies that do not
decompress, upgrades that are not, a handler cancelled after ``prepare``, requests
aiohttp's server answers by dropping the connection, and reason phrases.
"""

from __future__ import annotations

import gzip
import socket

import httpx
import pytest

from albany.testing import LiveServer
from tests.adapters.aiohttp.handling_service import OWN_DATE
from tests.conftest import ServerPool
from tests.contract.raw import ResponseReader, connect, exchange
from tests.observe import wait_for_event

APP = "tests.adapters.aiohttp.handling_service:make_app"
TUNED_APP = "tests.adapters.aiohttp.handling_service:make_tuned_app"


@pytest.fixture
def handling(server_pool: ServerPool, loop: str) -> LiveServer:
    return server_pool.get(APP, loop, "--factory")


@pytest.fixture
def tuned(server_pool: ServerPool, loop: str) -> LiveServer:
    return server_pool.get(TUNED_APP, loop, "--factory")


def test_expect_100_continue_gets_the_interim_response_then_the_answer(
    handling: LiveServer,
) -> None:
    body = b"x" * 2_000_000  # curl sends Expect: 100-continue with uploads over 1 MiB
    with connect(handling) as sock:
        sock.sendall(
            b"POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)
        )
        reader = ResponseReader(sock)
        interim = reader.read()
        assert interim.status == 100
        sock.sendall(body)
        response = reader.read()
    assert response.status == 200
    assert response.body == body


EXPECTING = b"POST %s HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n%s\r\n"


@pytest.mark.parametrize("path", [b"/guarded", b"/guarded-returning"], ids=["raises", "returns"])
def test_an_expect_handler_refusing_gets_no_interim_response(
    handling: LiveServer, path: bytes
) -> None:
    with connect(handling) as sock:
        sock.sendall(EXPECTING % (path, b""))
        response = ResponseReader(sock).read()
    assert response.status == 403  # not 100 first: the client need not send the body
    assert response.body == b"no token, no upload"


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        (b"/guarded", b"X-Token: t\r\n"),
        (b"/guarded-returning", b"X-Token: t\r\n"),
        (b"/quiet-expect", b""),
        (b"/echo", b""),
    ],
    ids=["transport-write", "writer-write", "expect-handler-silent", "default-expect-handler"],
)
def test_a_body_let_through_gets_one_interim_response(
    handling: LiveServer, path: bytes, headers: bytes
) -> None:
    with connect(handling) as sock:
        sock.sendall(EXPECTING % (path, headers))
        reader = ResponseReader(sock)
        assert reader.read().status == 100
        sock.sendall(b"hello")
        response = reader.read()
        assert reader.buffer == b""  # one 100 Continue, not two
    assert (response.status, response.body) == (200, b"hello")


def test_an_expect_handler_may_write_its_interim_response_for_a_request_without_body(
    handling: LiveServer,
) -> None:
    [response] = exchange(
        handling,
        b"POST /guarded HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nX-Token: t\r\n\r\n",
    )
    assert (response.status, response.body) == (200, b"")  # no body: no 100 Continue either


def test_on_startup_may_store_state_in_the_app(handling: LiveServer) -> None:
    response = httpx.get(handling.url + "/startup-note")
    assert response.status_code == 200
    assert response.text == "stored during start-up"


def test_handler_args_set_the_body_buffer_and_decompression(tuned: LiveServer) -> None:
    compressed = gzip.compress(b"abc" * 1000)
    response = httpx.post(
        tuned.url + "/limits", content=compressed, headers={"Content-Encoding": "gzip"}
    )
    assert response.json() == {"limits": [2, 4], "length": len(compressed)}


def test_default_handler_args_decompress(handling: LiveServer) -> None:
    response = httpx.post(
        handling.url + "/decoded",
        content=gzip.compress(b"abc" * 1000),
        headers={"Content-Encoding": "gzip"},
    )
    assert response.status_code == 200
    assert response.content == b"abc" * 1000


def test_a_body_that_does_not_decompress_is_a_request_payload_error(
    handling: LiveServer,
) -> None:
    response = httpx.post(
        handling.url + "/decoded",
        content=b"this is not gzip at all",
        headers={"Content-Encoding": "gzip"},
    )
    assert response.status_code == 400
    assert response.text == "bad body: ContentEncodingError"


def test_upgrade_without_the_connection_upgrade_token_is_a_bad_request(
    handling: LiveServer,
) -> None:
    with connect(handling) as sock:
        sock.sendall(
            b"GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\n"
            b"Connection: keep-alive, notupgrade\r\nSec-WebSocket-Version: 13\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
        )
        response = ResponseReader(sock).read()
    assert response.status == 400
    assert b"No CONNECTION upgrade hdr" in response.body


@pytest.mark.parametrize("behind_a_full_transport", [False, True], ids=["idle", "paused"])
def test_a_handler_cancelled_after_prepare_leaves_no_coroutine_unawaited(
    start_server: object, behind_a_full_transport: bool
) -> None:
    """The head's send is pending when the client leaves; under back-pressure it is a wait."""
    server = start_server(APP, "--factory")  # type: ignore[operator]
    with connect(server) as sock:
        if behind_a_full_transport:  # a big response the client does not read comes first
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
            sock.sendall(b"GET /big?size=%d HTTP/1.1\r\nHost: t\r\n\r\n" % (32 * 2**20))
        sock.sendall(b"GET /prepared-then-wait HTTP/1.1\r\nHost: t\r\n\r\n")
        assert wait_for_event(server, "prepared")
    assert wait_for_event(server, "cancelled after prepare")
    server.stop()  # what it wrote to stderr, the warning among it, is all read by then
    assert "never awaited" not in server.output()


def test_a_client_leaving_a_handler_held_by_back_pressure_leaves_no_stray_errors(
    start_server: object,
) -> None:
    server = start_server(APP, "--factory")  # type: ignore[operator]
    with connect(server) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        sock.sendall(b"GET /endless HTTP/1.1\r\nHost: t\r\n\r\n")
        assert wait_for_event(server, "endless: a MiB written")
    assert wait_for_event(server, "endless: cancelled")  # handler_cancellation is on
    server.stop()
    output = server.output()
    for stray in ("never retrieved", "never awaited", "Exception in ASGI application"):
        assert stray not in output


def read_to_close(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (a hang fails)."""
    chunks = []
    while data := sock.recv(65536):  # the socket's timeout fails the test if it never closes
        chunks.append(data)
    return b"".join(chunks)


def answer_to(server: LiveServer, target: str) -> bytes:
    """The bytes a ``GET target`` gets before the server closes, a second request behind it."""
    with connect(server) as sock:
        request = b"GET %s HTTP/1.1\r\nHost: t\r\n\r\nGET /startup-note HTTP/1.1\r\nHost: t\r\n\r\n"
        sock.sendall(request % target.encode())
        return read_to_close(sock)


@pytest.mark.parametrize(
    "target",
    [
        "/drop/cancelled",
        "/drop/base-exception",
        "/drop/transport-closed",
        "/drop/prepare-hook-fails",
        "/drop/bad-reason",
    ],
)
def test_what_aiohttp_answers_by_dropping_the_connection_gets_no_response(
    handling: LiveServer, target: str
) -> None:
    assert answer_to(handling, target) == b""  # no 500 page, and nothing for the next request


def test_a_handler_cancelled_after_its_response_started_leaves_it_cut_off(
    handling: LiveServer,
) -> None:
    data = answer_to(handling, "/drop/streamed-then-cancelled")
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert body == b"7\r\npartial\r\n"  # no last chunk


def test_a_dropped_request_is_logged_only_when_it_raised(start_server: object) -> None:
    server = start_server(APP, "--factory")  # type: ignore[operator]
    for target in ("/drop/cancelled", "/drop/transport-closed", "/drop/base-exception"):
        assert answer_to(server, target) == b""
    server.stop()  # all it logged is written by then
    output = server.output()
    assert output.count("Exception in ASGI application") == 1
    assert "Unwinding: unwinding" in output
    assert "CancelledError" not in output


@pytest.mark.parametrize(
    ("target", "status_line"),
    [
        ("/reason?status=299&reason=Mostly%20Fine", b"HTTP/1.1 299 Mostly Fine"),
        ("/reason?status=200&reason=", b"HTTP/1.1 200 "),  # an empty one, as given
        ("/reason?status=299&reason=", b"HTTP/1.1 299 "),
        ("/reason/http-exception", b"HTTP/1.1 403 Go Away"),
        # aiohttp writes the status line in UTF-8; so does Albany, byte for byte
        ("/reason?status=200&reason=%E2%82%AC%20ok", "HTTP/1.1 200 € ok".encode()),
    ],
)
def test_the_reason_phrase_reaches_the_status_line(
    handling: LiveServer, target: str, status_line: bytes
) -> None:
    with connect(handling) as sock:
        request = b"GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
        sock.sendall(request % target.encode())
        raw = read_to_close(sock)
    assert raw.split(b"\r\n", 1)[0] == status_line


def test_a_handlers_own_date_and_server_are_sent_once(handling: LiveServer) -> None:
    [own] = exchange(handling, b"GET /dated HTTP/1.1\r\nHost: t\r\n\r\n")
    [default] = exchange(handling, b"GET /startup-note HTTP/1.1\r\nHost: t\r\n\r\n")
    names = [name.lower() for name, _ in own.headers]
    assert (names.count("date"), names.count("server")) == (1, 1)
    assert (own.header("date"), own.header("server")) == (OWN_DATE, "own/1.0")
    names = [name.lower() for name, _ in default.headers]
    assert (names.count("date"), names.count("server")) == (1, 1)
    assert default.header("server") == "albany"

"""A gateway driven by hand: fakes from ``albany.testing`` plus a small response parser.

``Gateway`` joins a ``ServerState`` and one ``HttpConnection`` to a ``FakeTransport``,
a ``ManualClock`` and a ``FakeRunner``; ``parse_responses`` reads back what was written,
independently of Albany's writer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from albany.config import Config
from albany.gateway import HttpConnection, ServerState
from albany.testing import FakeRunner, FakeTransport, ManualClock
from albany.testing.fakes import FakeFuture
from albany.types import Message

Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Any, Receive, Send], Awaitable[None]]

GET = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"

_NO_BODY = frozenset({204, 304})


@dataclass
class ParsedResponse:
    """One response read back from the wire."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes = b""

    def header(self, name: bytes) -> bytes | None:
        """The value of the one field called ``name`` (lower case), or None."""
        values = [v for n, v in self.headers if n == name]
        assert len(values) <= 1, f"{name!r} appears {len(values)} times"
        return values[0] if values else None


def parse_responses(data: bytes, head: bool = False) -> list[ParsedResponse]:
    """Split ``data`` into responses (1xx included); ``head`` when they answer HEAD.

    Framing: no body for 1xx/204/304/HEAD, else chunked, Content-Length or the rest
    of the bytes (close-delimited). Anything malformed fails an assertion.
    """
    responses: list[ParsedResponse] = []
    while data:
        head_bytes, sep, data = data.partition(b"\r\n\r\n")
        assert sep, f"incomplete response head: {head_bytes!r}"
        status_line, *lines = head_bytes.split(b"\r\n")
        version, status, _reason = status_line.split(b" ", 2)
        assert version == b"HTTP/1.1", status_line
        headers = []
        for line in lines:
            name, colon, value = line.partition(b": ")
            assert colon, f"bad header line {line!r}"
            headers.append((name.lower(), value))
        response = ParsedResponse(int(status), headers)
        responses.append(response)
        if response.status < 200 or response.status in _NO_BODY or head:
            continue
        length = response.header(b"content-length")
        if response.header(b"transfer-encoding") == b"chunked":
            assert length is None, "Content-Length with chunked"
            body = []
            while True:
                size_line, _, data = data.partition(b"\r\n")
                size = int(size_line, 16)
                if size == 0:
                    assert data.startswith(b"\r\n"), "trailers or missing CRLF"
                    data = data[2:]
                    break
                body.append(data[:size])
                assert data[size : size + 2] == b"\r\n", "chunk not followed by CRLF"
                data = data[size + 2 :]
            response.body = b"".join(body)
        elif length is not None:
            response.body, data = data[: int(length)], data[int(length) :]
        else:
            response.body, data = data, b""
    return responses


class Gateway:
    """A server state serving ``app`` over fakes, and its first connection."""

    def __init__(self, app: App, config: Config | None = None) -> None:
        self.app = app
        self.config = config or Config()
        self.clock = ManualClock()
        self.runner = FakeRunner(self.clock)
        self.state = ServerState(
            app, lambda flavour: self.runner, self.clock, self.config, "asyncio"
        )
        self.transport, self.conn = self.connect()

    def connect(self) -> tuple[FakeTransport, HttpConnection]:
        """A new connection to the same server, with its own transport."""
        transport = FakeTransport()
        connection = HttpConnection(
            self.state, transport, server=("127.0.0.1", 8000), client=("127.0.0.1", 5000)
        )
        return transport, connection

    def feed(self, data: bytes) -> None:
        """The client sends ``data`` on the first connection."""
        self.conn.data_received(data)

    def responses(self, head: bool = False) -> list[ParsedResponse]:
        """The responses written on the first connection since the last call."""
        return parse_responses(self.transport.take(), head)


class Gate:
    """A future the test resolves, for apps that must wait on the test."""

    def __init__(self) -> None:
        self.future = FakeFuture()

    def __await__(self) -> Any:
        return self.future.__await__()

    def open(self, value: Any = None) -> None:
        self.future.set(value)


def respond(
    body: bytes = b"hello",
    status: int = 200,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> App:
    """An app that answers every request at once with ``body``."""

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": status, "headers": headers or []})
        await send({"type": "http.response.body", "body": body})

    return app


async def read_body(receive: Receive) -> bytes:
    """Receive every ``http.request`` message; the body they carried."""
    chunks = []
    while True:
        message = await receive()
        assert message["type"] == "http.request", message
        chunks.append(message["body"])
        if not message["more_body"]:
            return b"".join(chunks)

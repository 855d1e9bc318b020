"""Raw-socket HTTP/1.1 for the tests that must see the bytes: pipelining, framing, errors."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass, field

from albany.testing import LiveServer


@dataclass
class RawResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


def connect(server: LiveServer, timeout: float = 10.0) -> socket.socket:
    sock = socket.create_connection((server.host, server.port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def read_until_closed(sock: socket.socket, timeout: float = 10.0) -> bytes:
    """Everything the server sends until it closes (or ``timeout`` passes)."""
    deadline = time.monotonic() + timeout
    chunks = []
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data = sock.recv(65536)
        except TimeoutError:
            break
        except ConnectionResetError:
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks)


def is_closed(sock: socket.socket, timeout: float = 5.0) -> bool:
    """True when the peer closed the connection within ``timeout`` (nothing more to read)."""
    sock.settimeout(timeout)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


class ResponseReader:
    """Parses responses off a socket one at a time (Content-Length, chunked, or close)."""

    def __init__(self, sock: socket.socket, head_request: bool = False) -> None:
        self.sock = sock
        self.buffer = b""

    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        if not data:
            return False
        self.buffer += data
        return True

    def _line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            if not self._fill():
                raise ConnectionError("closed mid-line")
        line, _, self.buffer = self.buffer.partition(b"\r\n")
        return line

    def _exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            if not self._fill():
                raise ConnectionError("closed mid-body")
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def read(self, head: bool = False) -> RawResponse:
        status_line = self._line()
        parts = status_line.split(b" ", 2)
        response = RawResponse(int(parts[1]))
        while True:
            line = self._line()
            if not line:
                break
            name, _, value = line.partition(b":")
            response.headers.append((name.decode().lower(), value.strip().decode()))
        if head or response.status in (204, 304) or response.status < 200:
            return response
        length = response.header("content-length")
        if response.header("transfer-encoding") == "chunked":
            body = b""
            while True:
                size = int(self._line().split(b";")[0], 16)
                if size == 0:
                    while self._line():
                        pass
                    break
                body += self._exactly(size)
                self._line()
            response.body = body
        elif length is not None:
            response.body = self._exactly(int(length))
        else:
            while self._fill():
                pass
            response.body, self.buffer = self.buffer, b""
        return response


def exchange(
    server: LiveServer, data: bytes, count: int = 1, head: bool = False
) -> list[RawResponse]:
    """Send ``data`` on a new connection and read ``count`` responses."""
    with connect(server) as sock:
        sock.sendall(data)
        reader = ResponseReader(sock)
        return [reader.read(head=head) for _ in range(count)]


def first_status(server: LiveServer, data: bytes) -> tuple[int, bool]:
    """The status of the one response to ``data``, and whether the server then closed."""
    with connect(server) as sock:
        sock.sendall(data)
        reader = ResponseReader(sock)
        response = reader.read()
        return response.status, is_closed(sock)

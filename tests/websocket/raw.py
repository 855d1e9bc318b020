"""RFC 6455 by hand, for the tests that must see or send exact bytes.

Written from the RFC, independently of wsproto (which the server uses), so a
misreading shared by both cannot hide.
"""

from __future__ import annotations

import os
import socket
import struct
from typing import NamedTuple

from albany.testing import LiveServer

KEY = b"dGhlIHNhbXBsZSBub25jZQ=="  # the sample key of RFC 6455, section 1.3
TEXT, BINARY, CONTINUATION, CLOSE, PING, PONG = 0x1, 0x2, 0x0, 0x8, 0x9, 0xA


def upgrade_request(path: str = "/", extra: bytes = b"", key: bytes = KEY) -> bytes:
    return (
        b"GET %s HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n%s\r\n"
        % (path.encode(), key, extra)
    )


def frame(
    opcode: int, payload: bytes = b"", fin: bool = True, mask: bool = True, rsv1: bool = False
) -> bytes:
    """One frame as a client sends it (masked unless ``mask`` is False)."""
    first = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode
    length = len(payload)
    if length < 126:
        head = struct.pack("!BB", first, (0x80 if mask else 0) | length)
    elif length < 65536:
        head = struct.pack("!BBH", first, (0x80 if mask else 0) | 126, length)
    else:
        head = struct.pack("!BBQ", first, (0x80 if mask else 0) | 127, length)
    if not mask:
        return head + payload
    key = os.urandom(4)
    masked = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return head + key + masked


def close_frame(code: int | None = None, reason: bytes = b"") -> bytes:
    return frame(CLOSE, b"" if code is None else struct.pack("!H", code) + reason)


class Frame(NamedTuple):
    fin: bool
    opcode: int
    payload: bytes

    @property
    def close_code(self) -> int | None:
        assert self.opcode == CLOSE
        return struct.unpack("!H", self.payload[:2])[0] if self.payload else None


class RawWebSocket:
    """A socket after (or during) the opening handshake, read frame by frame."""

    def __init__(self, server: LiveServer, timeout: float = 10.0) -> None:
        self.sock = socket.create_connection((server.host, server.port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> bool:
        data = self.sock.recv(1 << 20)
        self.buffer += data
        return bool(data)

    def read_head(self) -> tuple[int, dict[str, str], bytes]:
        """The HTTP response head (status, headers) and, for a non-101, the body read so far."""
        while b"\r\n\r\n" not in self.buffer:
            assert self._fill(), f"closed before a response head: {self.buffer!r}"
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return int(status_line.split()[1]), headers, self.buffer

    def handshake(self, path: str = "/", extra: bytes = b"") -> dict[str, str]:
        self.send(upgrade_request(path, extra))
        status, headers, _ = self.read_head()
        assert status == 101, (status, headers)
        return headers

    def read_all(self) -> bytes:
        """Everything until the server closes."""
        while self._fill():
            pass
        data, self.buffer = self.buffer, b""
        return data

    def read_frame(self) -> Frame:
        while True:
            parsed = self._parse()
            if parsed is not None:
                return parsed
            assert self._fill(), f"closed in the middle of a frame: {self.buffer!r}"

    def _parse(self) -> Frame | None:
        data = self.buffer
        if len(data) < 2:
            return None
        first, second = data[0], data[1]
        assert not second & 0x80, "a server must not mask"
        length, offset = second & 0x7F, 2
        if length == 126:
            if len(data) < 4:
                return None
            (length,), offset = struct.unpack("!H", data[2:4]), 4
        elif length == 127:
            if len(data) < 10:
                return None
            (length,), offset = struct.unpack("!Q", data[2:10]), 10
        if len(data) < offset + length:
            return None
        self.buffer = data[offset + length :]
        return Frame(bool(first & 0x80), first & 0x0F, data[offset : offset + length])

    def is_closed(self, timeout: float = 5.0) -> bool:
        """True when the server closes the TCP connection within ``timeout``."""
        self.sock.settimeout(timeout)
        try:
            return not self.sock.recv(1 << 16)
        except TimeoutError:
            return False
        except ConnectionResetError:
            return True

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> RawWebSocket:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def parse_frames(data: bytes) -> list[Frame]:
    """Every complete server frame in ``data`` (for tests over fake transports)."""
    reader = RawWebSocket.__new__(RawWebSocket)
    reader.buffer = data
    frames = []
    while (parsed := reader._parse()) is not None:
        frames.append(parsed)
    assert not reader.buffer, f"trailing bytes {reader.buffer!r}"
    return frames

"""``wsgi.input``: the request body, read from the loop only as the app asks for it.

Nothing is spooled: each read that finds the buffer empty fetches the next
``http.request`` message, so at most one message is held, and a slow app
slows the client through Albany's flow control.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Iterator

from albany_wsgi.bridge import LoopBridge


class RequestBody:
    """A read-only, non-seekable binary stream over ASGI ``receive``."""

    def __init__(self, bridge: LoopBridge, receive: Callable[[], Awaitable[Any]]) -> None:
        self._bridge = bridge
        self._receive = receive
        self._buffer = bytearray()
        self._more = True
        self.disconnected = False

    def _fill(self) -> bool:
        """Fetch one more message; False once the body has ended."""
        while self._more and not self._buffer:
            message = self._bridge.call(self._receive)
            if message["type"] == "http.disconnect":
                self.disconnected = True
                self._more = False
                raise OSError("The client disconnected while its body was being read")
            self._buffer += message.get("body", b"")
            self._more = message.get("more_body", False)
        return bool(self._buffer)

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            while self._more:
                self._fill_more()
            data = bytes(self._buffer)
            self._buffer.clear()
            return data
        if not self._buffer:
            self._fill()
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def _fill_more(self) -> None:
        held = bytes(self._buffer)
        self._buffer.clear()
        self._fill()
        self._buffer[:0] = held

    def readline(self, size: int | None = -1) -> bytes:
        while True:
            end = self._buffer.find(b"\n")
            limit = size if size is not None and size >= 0 else None
            if end >= 0 and (limit is None or end < limit):
                return self._take(end + 1)
            if limit is not None and len(self._buffer) >= limit:
                return self._take(limit)
            if not self._more:
                return self._take(len(self._buffer))
            self._fill_more()

    def _take(self, count: int) -> bytes:
        data = bytes(self._buffer[:count])
        del self._buffer[:count]
        return data

    def readlines(self, hint: int = -1) -> list[bytes]:
        lines: list[bytes] = []
        total = 0
        while True:
            line = self.readline()
            if not line:
                return lines
            lines.append(line)
            total += len(line)
            if 0 < hint <= total:
                return lines

    def __iter__(self) -> Iterator[bytes]:
        while True:
            line = self.readline()
            if not line:
                return
            yield line

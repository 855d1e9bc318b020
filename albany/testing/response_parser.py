"""Reading the first complete HTTP/1.x response out of the bytes a connection wrote."""

from __future__ import annotations

from albany.testing.memory_response import MemoryResponse


def parse_response(
    data: bytes, head: bool = False, closed: bool = False
) -> tuple[MemoryResponse, bytes] | None:
    """The first final response in ``data`` and the bytes after it; None while incomplete.

    Informational (1xx) responses are skipped. No body for HEAD, 204 and 304; otherwise
    chunked, ``Content-Length``, or every byte until the connection is ``closed``.
    """
    while True:
        end = data.find(b"\r\n\r\n")
        if end < 0:
            return None
        status_line, *lines = data[:end].split(b"\r\n")
        version, _, rest = status_line.partition(b" ")
        if not version.startswith(b"HTTP/1."):
            raise AssertionError(f"not an HTTP/1.x response: {status_line!r}")
        status = int(rest.split(b" ", 1)[0])
        headers: list[tuple[bytes, bytes]] = []
        for line in lines:
            name, colon, value = line.partition(b":")
            if not colon:
                raise AssertionError(f"malformed header line {line!r}")
            headers.append((name.strip().lower(), value.strip()))
        data = data[end + 4 :]
        if status >= 200:
            break
    fields = dict(headers)
    if head or status in (204, 304):
        return MemoryResponse(status, headers, b""), data
    if fields.get(b"transfer-encoding", b"").lower() == b"chunked":
        pieces: list[bytes] = []
        while True:
            line_end = data.find(b"\r\n")
            if line_end < 0:
                return None
            size = int(data[:line_end].split(b";")[0], 16)
            if size == 0:
                trailer_end = data.find(b"\r\n\r\n", line_end)
                if trailer_end < 0:
                    return None
                return MemoryResponse(status, headers, b"".join(pieces)), data[trailer_end + 4 :]
            start = line_end + 2
            if len(data) < start + size + 2:
                return None
            pieces.append(data[start : start + size])
            data = data[start + size + 2 :]
    if b"content-length" in fields:
        length = int(fields[b"content-length"])
        if len(data) < length:
            return None
        return MemoryResponse(status, headers, data[:length]), data[length:]
    if not closed:
        return None
    return MemoryResponse(status, headers, data), b""

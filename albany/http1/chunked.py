"""A chunked request body (RFC 9112 7.1), read strictly: bytes in, body pieces out.

The reader hands every byte after a chunked request's head to ``ChunkedBody.feed`` until
it reports the end, so the reader knows exactly where the next message begins. Chunk
extensions are checked against the grammar and dropped; trailer fields are checked
(``name: value``, no control bytes) and dropped.
"""

from __future__ import annotations

from albany.http1.errors import ProtocolError
from albany.http1.syntax import CHUNK_LINE, FIELD_LINE, SIZE_CRLF, SIZE_LINE_CRLF

_SIZE, _DATA, _DATA_END, _TRAILER = range(4)
_CRLF = b"\r\n"
_LINE_OVERHEAD = 4  # ": " and CRLF of a trailer line, beyond its name and value


class ChunkedBody:
    """The state of one chunked body between feeds."""

    __slots__ = (
        "_state",
        "_line",
        "_left",
        "_max_line",
        "_max_fields",
        "_max_count",
        "_fields",
        "_count",
    )

    def __init__(self, max_line: int, max_fields: int, max_count: int) -> None:
        self._state = _SIZE
        self._line = b""  # the part of a line (or of a chunk's CRLF) received so far
        self._left = 0  # bytes left in the chunk being read
        self._max_line = max_line  # a chunk-size line, extensions included
        self._max_fields = max_fields  # trailer field bytes, as the head's header bytes
        self._max_count = max_count
        self._fields = 0  # trailer bytes so far
        self._count = 0  # trailer fields so far

    def reset(self) -> None:
        """Make ready for the next chunked body (same limits)."""
        self._state = _SIZE
        self._line = b""
        self._left = self._fields = self._count = 0

    def feed(self, data: bytes, pos: int, pieces: list[bytes]) -> tuple[int, bool]:
        """Read ``data[pos:]``: the offset reached and whether the body ended there.

        Body bytes are appended to ``pieces``. Raises ``ProtocolError`` (400, or 431 for
        oversized trailers).
        """
        end = len(data)
        if self._state == _SIZE and not self._line:
            pos = self._whole_chunks(data, pos, pieces)
            if pos < 0:
                return -pos - 1, True
        while pos < end:
            state = self._state
            if state == _DATA:
                take = min(self._left, end - pos)
                pieces.append(data if take == end else data[pos : pos + take])
                pos += take
                self._left -= take
                if not self._left:
                    self._state = _DATA_END
            elif state == _DATA_END:
                need = 2 - len(self._line)
                got = self._line + data[pos : pos + need]
                pos += len(got) - len(self._line)
                if not _CRLF.startswith(got):
                    raise ProtocolError(400, "Chunk data not followed by CRLF")
                if len(got) == 2:
                    self._line = b""
                    self._state = _SIZE
                else:
                    self._line = got
            else:
                limit = self._max_line if state == _SIZE else self._max_fields + _LINE_OVERHEAD
                line, pos = self._take_line(data, pos, limit)
                if line is None:
                    return pos, False
                if state == _SIZE:
                    self._size_line(line)
                elif self._trailer_line(line):
                    return pos, True
        return pos, False

    def _whole_chunks(self, data: bytes, pos: int, pieces: list[bytes]) -> int:
        """Read the chunks that ``data[pos:]`` holds whole: the offset after them.

        The common case, in one pass: a size line, its data and CRLF, all in ``data``;
        an empty trailer section ends the body (returned as ``-offset - 1``). Anything
        else stops here, in state ``_SIZE``, and is read by the general loop.
        """
        end = len(data)
        max_line = self._max_line
        plain = SIZE_CRLF.match
        match = SIZE_LINE_CRLF.match
        while True:
            found = plain(data, pos) or match(data, pos)
            if found is None:
                return pos
            after = found.end()
            if after - pos - 2 > max_line:
                return pos  # too long: the general loop says so
            size = int(found.group(1), 16)
            if not size:
                if data.startswith(_CRLF, after):
                    return -(after + 2) - 1
                self._state = _TRAILER
                return after
            data_end = after + size
            if data_end + 2 > end or not data.startswith(_CRLF, data_end):
                return pos
            pieces.append(data[after:data_end])
            pos = data_end + 2

    def _take_line(self, data: bytes, pos: int, limit: int) -> tuple[bytes | None, int]:
        """A whole line (CRLF removed) and the offset after it, or None when incomplete."""
        held = self._line
        search_end = pos + limit + 2 - len(held)
        lf = data.find(b"\n", pos, search_end)
        if lf < 0:
            held += data[pos:search_end]
            if len(held) > limit + 1:
                raise self._too_long()
            self._line = held
            return None, len(data)
        line = held + data[pos : lf + 1]
        self._line = b""
        if len(line) < 2 or line[-2] != 13:
            raise ProtocolError(400, "Bare LF in a chunked body")
        return line[:-2], lf + 1

    def _too_long(self) -> ProtocolError:
        if self._state == _SIZE:
            return ProtocolError(400, "Chunk size line too long")
        return ProtocolError(431, "Request trailer fields too large")

    def _size_line(self, line: bytes) -> None:
        match = CHUNK_LINE.fullmatch(line)
        if match is None:
            raise ProtocolError(400, "Invalid chunk size or extension")
        size = int(match.group(1), 16)
        if size:
            self._left = size
            self._state = _DATA
        else:
            self._state = _TRAILER

    def _trailer_line(self, line: bytes) -> bool:
        """Check one trailer line; True when it was the empty line ending the body."""
        if not line:
            return True
        if FIELD_LINE.fullmatch(line) is None:
            raise ProtocolError(400, "Invalid trailer field")
        self._fields += len(line)
        self._count += 1
        if self._fields > self._max_fields or self._count > self._max_count:
            raise ProtocolError(431, "Request trailer fields too large")
        return False

"""The head limits, counted on the raw bytes before llhttp sees them.

A limit must be crossed at the same byte however the network cut the stream: counted in
llhttp's callbacks, it would fire at a field's end in one feed and at the next field's
start in another, and a 431 could turn into a 400. ``HeadBudget.crossing`` finds the
first byte of a piece of head that crosses a limit, so the reader gives llhttp only the
bytes before it: a syntax error before that byte is a 400, else the head is a 431.

The limits: the names and values of the fields (values without their OWS) add up to at
most ``max_header_size`` bytes, there are at most ``max_header_count`` fields, and a field
line being received may not hold more than ``max_header_size`` + 4 bytes (": " and CRLF)
beyond the fields before it, so a line that never ends is refused as it grows.
"""

from __future__ import annotations

from albany.http1.limits import Limits

_LINE_OVERHEAD = 4  # ": " and CRLF of a field line


class HeadBudget:
    """What one head has used of its limits so far."""

    __slots__ = ("_max_size", "_max_count", "_size", "_count", "_partial", "skip_line")

    def __init__(self, limits: Limits) -> None:
        self._max_size = limits.max_header_size
        self._max_count = limits.max_header_count
        self._size = 0  # names and values of the complete field lines
        self._count = 0
        self._partial = b""  # the field line being received
        self.skip_line = False
        """True while the bytes scanned next begin with the (complete) request line."""

    def reset(self) -> None:
        self._size = self._count = 0
        self._partial = b""
        self.skip_line = False

    def crossing(self, part: bytes, head_ends: bool) -> int:
        """The offset in ``part`` of the first byte over a limit, or -1 (then counted).

        ``head_ends``: ``part`` holds the rest of the head, so no later piece is counted.
        """
        if (
            head_ends
            and self._size + len(self._partial) + len(part) <= self._max_size
            and self._count + part.count(b"\n") <= self._max_count
        ):
            return -1  # no line, no sum and no count can cross in so few bytes
        room_for_line = self._max_size + _LINE_OVERHEAD
        pos = 0
        end = len(part)
        while pos < end:
            lf = part.find(b"\n", pos)
            if self.skip_line:
                self.skip_line = False
                pos = lf + 1
                continue
            stop = end if lf < 0 else lf
            room = room_for_line - self._size - len(self._partial)
            if stop - pos > room:
                return pos + max(room, 0)
            if lf < 0:
                self._partial += part[pos:]
                return -1
            line = self._partial + part[pos:lf]
            self._partial = b""
            pos = lf + 1
            if line == b"\r" or not line:
                continue  # the empty line that ends the head
            name, _, value = line.partition(b":")
            self._size += len(name) + len(value[:-1].strip(b" \t"))
            self._count += 1
            if self._size > self._max_size or self._count > self._max_count:
                return lf
        return -1

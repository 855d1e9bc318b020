"""RFC 6455 frames, server side and sans-IO: bytes in, messages out; messages in, bytes out.

``FrameReader.feed(data)`` returns the events the bytes complete, as ``(opcode, value)``
pairs: ``(TEXT, str)`` and ``(BINARY, bytes)`` for whole messages (fragments joined),
``(PING, bytes)``, ``(PONG, bytes)``, ``(CLOSE, (code, reason))``. ``FrameWriter`` makes
the frames the server sends.

Rules of the reader:

1. A protocol error stops the reader: ``failure`` holds ``(code, reason)`` (1002 for the
   framing, 1007 for bad UTF-8 or bad compressed data, 1009 for a limit) and later bytes
   are ignored. Events completed before the error are still returned.
2. A frame whose header announces a payload over ``frame_limit``, or an uncompressed
   fragment taking its message past ``message_limit``, fails at the header, before its
   payload is read. A compressed message fails as soon as it inflates past the limit.
3. A frame is decoded once its last byte has arrived; partial frames are held as received
   pieces and joined once, so a large message costs one copy, not one per read.
4. Text fails fast: an uncompressed text frame's payload is checked for UTF-8 as its bytes
   arrive, before the frame is complete, so invalid text is refused without waiting.
5. After a close frame nothing more is read.
"""

from __future__ import annotations

import codecs
from struct import Struct
from typing import Any, Callable

from albany.websocket.extensions import INVALID_DATA, TOO_BIG, Deflate, FrameError

CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA

Event = tuple[int, Any]
"""``(opcode, value)``: str for TEXT, bytes for BINARY/PING/PONG, ``(code, reason)`` for CLOSE."""

NO_STATUS = 1005
_PROTOCOL_ERROR = 1002
_RECEIVABLE = frozenset({1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014})
_U16 = Struct("!H")
_U64 = Struct("!Q")
_HEAD16 = Struct("!BBH")
_HEAD64 = Struct("!BBQ")
MAX_CONTROL = 125
"""The largest control frame payload (RFC 6455, 5.5)."""


def valid_close_code(code: int) -> bool:
    """Whether a peer may send ``code`` in a close frame (and the app may send it)."""
    return code in _RECEIVABLE or 3000 <= code <= 4999


def unmask_python(payload: bytes, mask: bytes) -> bytes:
    """XOR ``payload`` with the repeated 4-byte ``mask`` (one big-integer operation)."""
    size = len(payload)
    if not size:
        return b""
    key = (mask * ((size >> 2) + 1))[:size]
    value = int.from_bytes(payload, "little") ^ int.from_bytes(key, "little")
    return value.to_bytes(size, "little")


unmask: Callable[[bytes, bytes], bytes] = unmask_python
"""Unmasking as used: in C (the websockets package's routine, ~60x faster on 64 KiB) when
it is installed, else ``unmask_python``."""
try:
    from websockets.speedups import apply_mask as unmask
except ImportError:  # pragma: no cover - depends on the environment
    pass


class FrameReader:
    """Parses the client's frames: masked, within the limits, with deflate if agreed."""

    __slots__ = (
        "_frame_limit",
        "_message_limit",
        "_deflate",
        "_held",
        "_held_size",
        "_need",
        "_opcode",
        "_compressed",
        "_parts",
        "_size",
        "_utf8",
        "_probe",
        "_probe_mask",
        "_probe_start",
        "_probe_end",
        "_probed",
        "failure",
        "closed",
    )

    def __init__(
        self, frame_limit: int | None, message_limit: int | None, deflate: Deflate | None = None
    ) -> None:
        self._frame_limit = frame_limit
        self._message_limit = message_limit
        self._deflate = deflate
        self._held: list[bytes] = []
        self._held_size = 0
        self._need = 2
        self._opcode = 0  # of the message in progress (TEXT or BINARY), 0 between messages
        self._compressed = False
        self._parts: list[Any] = []
        self._size = 0
        self._utf8: codecs.IncrementalDecoder | None = None
        # Rule 4, for the text frame still arriving: a decoder for its payload so far.
        self._probe: codecs.IncrementalDecoder | None = None
        self._probe_mask = b""
        self._probe_start = 0  # where the payload begins in the held bytes
        self._probe_end = 0  # and where it ends
        self._probed = 0  # payload bytes checked so far
        self.failure: tuple[int, str] | None = None
        """``(code, reason)`` once the peer broke the protocol or a limit."""
        self.closed = False
        """True once the peer's close frame has been read."""

    def feed(self, data: bytes) -> list[Event]:
        """The events ``data`` completes (rule 1: check ``failure`` afterwards)."""
        if self.closed or self.failure is not None:
            return []
        held = self._held
        if held:
            if self._probe is not None and not self._probe_more(data, self._held_size):
                return []
            held.append(data)
            self._held_size += len(data)
            if self._held_size < self._need:
                return []
            data = b"".join(held)
            held.clear()
            self._held_size = 0
        events: list[Event] = []
        pos = 0
        end = len(data)
        while True:
            available = end - pos
            if available < 2:
                need = 2
                break
            first = data[pos]
            second = data[pos + 1]
            if not second & 0x80:
                self._fail(_PROTOCOL_ERROR, "Unmasked frame from a client")
                return events
            length = second & 0x7F
            if length < 126:
                head = 6
            elif length == 126:
                if available < 4:
                    need = 4
                    break
                length = _U16.unpack_from(data, pos + 2)[0]
                head = 8
            else:
                if available < 10:
                    need = 10
                    break
                length = _U64.unpack_from(data, pos + 2)[0]
                if length >> 63:
                    self._fail(_PROTOCOL_ERROR, "Frame length with the high bit set")
                    return events
                head = 14
            problem = self._check_header(first, length)
            if problem is not None:
                self._fail(*problem)
                return events
            total = head + length
            if available < total:
                need = total
                if self._is_plain_text(first):
                    if available >= head:
                        self._probe_frame(data, pos, head, total)
                    else:
                        need = head  # back here once the head is in, to begin the probe
                break
            payload = unmask(data[pos + head : pos + total], data[pos + head - 4 : pos + head])
            pos += total
            self._probe = None
            opcode = first & 0x0F
            if opcode >= CLOSE:
                if opcode == CLOSE:
                    self._closing(payload, events)
                    return events
                events.append((opcode, payload))
            elif not self._data_frame(first, opcode, payload, events):
                return events
        if self.failure is not None:
            return events
        if pos < end:
            held.append(data[pos:] if pos else data)
            self._held_size = end - pos
            self._need = need
        return events

    def _is_plain_text(self, first: int) -> bool:
        """Whether a frame carries uncompressed text (rule 4 applies)."""
        opcode = first & 0x0F
        if opcode == TEXT:
            return not first & 0x40
        return opcode == CONTINUATION and self._opcode == TEXT and not self._compressed

    def _probe_frame(self, data: bytes, pos: int, head: int, total: int) -> None:
        """Begin checking a text frame whose payload has only partly arrived."""
        probe = codecs.getincrementaldecoder("utf-8")()
        if (data[pos] & 0x0F) == CONTINUATION and self._utf8 is not None:
            probe.setstate(self._utf8.getstate())
        self._probe = probe
        self._probe_mask = data[pos + head - 4 : pos + head]
        self._probe_start = head
        self._probe_end = total
        self._probed = 0
        self._probe_more(data[pos:], 0)

    def _probe_more(self, data: bytes, offset: int) -> bool:
        """Check the payload bytes in ``data``, which starts ``offset`` bytes into the frame.

        False when they are not UTF-8 (the reader has failed).
        """
        start = max(self._probe_start + self._probed - offset, 0)
        chunk = data[start : self._probe_end - offset]
        if not chunk:
            return True
        turn = self._probed & 3
        mask = self._probe_mask[turn:] + self._probe_mask[:turn]
        try:
            self._probe.decode(unmask(chunk, mask))  # type: ignore[union-attr]
        except UnicodeDecodeError:
            self._fail(INVALID_DATA, "Invalid UTF-8 in a text message")
            return False
        self._probed += len(chunk)
        return True

    def _check_header(self, first: int, length: int) -> tuple[int, str] | None:
        """What is wrong with a frame, judged from its header alone (rule 2), or None."""
        opcode = first & 0x0F
        rsv = first & 0x70
        if opcode >= CLOSE:
            if opcode > PONG:
                return _PROTOCOL_ERROR, f"Reserved opcode {opcode:#x}"
            if rsv:
                return _PROTOCOL_ERROR, "Reserved bits set on a control frame"
            if not first & 0x80:
                return _PROTOCOL_ERROR, "Fragmented control frame"
            if length > MAX_CONTROL:
                return _PROTOCOL_ERROR, "Control frame payload over 125 bytes"
            return None
        if opcode > BINARY:
            return _PROTOCOL_ERROR, f"Reserved opcode {opcode:#x}"
        if opcode == CONTINUATION:
            if not self._opcode:
                return _PROTOCOL_ERROR, "Continuation frame with no message to continue"
            if rsv:
                return _PROTOCOL_ERROR, "Reserved bits set on a continuation frame"
        else:
            if self._opcode:
                return _PROTOCOL_ERROR, "New message before the previous one ended"
            if rsv and (rsv != 0x40 or self._deflate is None):
                return _PROTOCOL_ERROR, "Reserved bits set without an extension for them"
        limit = self._frame_limit
        if limit is not None and length > limit:
            return TOO_BIG, "Frame too large"
        limit = self._message_limit
        compressed = self._compressed if opcode == CONTINUATION else bool(rsv)
        if limit is not None and not compressed:
            size = self._size if opcode == CONTINUATION else 0
            if size + length > limit:
                return TOO_BIG, "Message too large"
        return None

    def _data_frame(self, first: int, opcode: int, payload: bytes, events: list[Event]) -> bool:
        """Add one data frame to its message; False once the reader has failed."""
        fin = first & 0x80
        if opcode:  # the first frame of a message
            self._opcode = opcode
            self._compressed = bool(first & 0x40)
            self._size = 0
        if self._compressed:
            assert self._deflate is not None
            limit = self._message_limit
            try:
                payload = self._deflate.inflate(
                    payload, bool(fin), None if limit is None else limit - self._size
                )
            except FrameError as error:
                self._fail(error.code, error.reason)
                return False
        self._size += len(payload)
        parts = self._parts
        if self._opcode == TEXT:
            if fin and not parts:
                try:
                    value: Any = payload.decode("utf-8")
                except UnicodeDecodeError:
                    self._fail(INVALID_DATA, "Invalid UTF-8 in a text message")
                    return False
            else:
                decoder = self._utf8
                if decoder is None:
                    decoder = self._utf8 = codecs.getincrementaldecoder("utf-8")()
                try:
                    parts.append(decoder.decode(payload, bool(fin)))
                except UnicodeDecodeError:
                    self._fail(INVALID_DATA, "Invalid UTF-8 in a text message")
                    return False
                if not fin:
                    return True
                value = "".join(parts)
                self._utf8 = None
        else:
            if not fin:
                parts.append(payload)
                return True
            if parts:
                parts.append(payload)
                value = b"".join(parts)
            else:
                value = payload
        events.append((self._opcode, value))
        parts.clear()
        self._opcode = 0
        return True

    def _closing(self, payload: bytes, events: list[Event]) -> None:
        self.closed = True
        if not payload:
            events.append((CLOSE, (NO_STATUS, "")))
            return
        if len(payload) < 2:
            self._fail(_PROTOCOL_ERROR, "Close frame with a one-byte payload")
            return
        code = _U16.unpack_from(payload)[0]
        if not valid_close_code(code):
            self._fail(_PROTOCOL_ERROR, f"Invalid close code {code}")
            return
        try:
            reason = payload[2:].decode("utf-8")
        except UnicodeDecodeError:
            self._fail(INVALID_DATA, "Invalid UTF-8 in a close reason")
            return
        events.append((CLOSE, (code, reason)))

    def _fail(self, code: int, reason: str) -> None:
        self.failure = (code, reason)
        self._probe = None
        self._held.clear()
        self._parts.clear()


def _frame(first: int, payload: bytes) -> bytes:
    size = len(payload)
    if size < 126:
        return bytes((first, size)) + payload
    if size < 65536:
        return _HEAD16.pack(first, 126, size) + payload
    return _HEAD64.pack(first, 127, size) + payload


class FrameWriter:
    """Makes the server's frames: unmasked, one frame per message, compressed if agreed."""

    __slots__ = ("_deflate",)

    def __init__(self, deflate: Deflate | None = None) -> None:
        self._deflate = deflate

    def message(self, data: bytes | str) -> bytes:
        """One whole message: text for ``str``, binary for bytes."""
        if isinstance(data, str):
            first, payload = 0x80 | TEXT, data.encode("utf-8")
        else:
            first, payload = 0x80 | BINARY, bytes(data)
        if self._deflate is not None:
            first |= 0x40
            payload = self._deflate.compress(payload)
        return _frame(first, payload)

    def ping(self, payload: bytes) -> bytes:
        return _frame(0x80 | PING, payload)

    def pong(self, payload: bytes) -> bytes:
        return _frame(0x80 | PONG, payload)

    def close(self, code: int = NO_STATUS, reason: str = "") -> bytes:
        """A close frame; 1005 means none (an empty payload), the reason cut to 123 bytes."""
        if code == NO_STATUS:
            return _frame(0x80 | CLOSE, b"")
        encoded = reason.encode("utf-8")
        if len(encoded) > MAX_CONTROL - 2:
            encoded = encoded[: MAX_CONTROL - 2].decode("utf-8", "ignore").encode("utf-8")
        return _frame(0x80 | CLOSE, _U16.pack(code) + encoded)

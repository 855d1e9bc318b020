"""A strict reading of a client's WebSocket frames (RFC 6455 5), for the fuzzer.

Frames are taken one at a time off the stream; the first rule broken stops the reading
with the close code RFC 6455 7.4.1 names for it. No extension is agreed, so any RSV bit
fails. Text must be UTF-8 as far as it has arrived, an incomplete frame's payload
included (a reader may fail as soon as the bytes cannot become UTF-8: RFC 6455 8.1). A
length not in its minimal encoding is read: the rule binds senders, not receivers.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from typing import Any

CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
PROTOCOL_ERROR, INVALID_DATA = 1002, 1007
CLOSE_CODES = frozenset(range(1000, 1004)) | frozenset(range(1007, 1015))
"""The codes a peer may send below 3000: RFC 6455 7.4.1 and the IANA registry."""


@dataclass
class Reading:
    """The events the frames hold (as ``FrameReader`` reports them) and the failure."""

    events: list[tuple[int, Any]] = field(default_factory=list)
    failure: int | None = None
    closed: bool = False


def unmask(payload: bytes, mask: bytes) -> bytes:
    return bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))


def _valid_utf8_prefix(data: bytes) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, False)
    except UnicodeDecodeError:
        return False
    return True


def read_frames(data: bytes) -> Reading:
    """Every event in ``data`` and where the reading failed, if it did."""
    reading = Reading()
    pos = 0
    message_opcode = 0
    parts: list[bytes] = []

    def fail(code: int) -> Reading:
        reading.failure = code
        return reading

    while len(data) - pos >= 2:
        first, second = data[pos], data[pos + 1]
        fin, rsv, opcode = first & 0x80, first & 0x70, first & 0x0F
        if not second & 0x80:
            return fail(PROTOCOL_ERROR)  # a client masks every frame (5.1)
        length = second & 0x7F
        head = 2
        if length == 126:
            if len(data) - pos < 4:
                break
            length = int.from_bytes(data[pos + 2 : pos + 4], "big")
            head = 4
        elif length == 127:
            if len(data) - pos < 10:
                break
            length = int.from_bytes(data[pos + 2 : pos + 10], "big")
            if length >> 63:
                return fail(PROTOCOL_ERROR)
            head = 10
        if rsv:
            return fail(PROTOCOL_ERROR)
        if opcode in (CLOSE, PING, PONG):
            if not fin or length > 125:
                return fail(PROTOCOL_ERROR)
        elif opcode == CONTINUATION:
            if not message_opcode:
                return fail(PROTOCOL_ERROR)
        elif opcode in (TEXT, BINARY):
            if message_opcode:
                return fail(PROTOCOL_ERROR)
        else:
            return fail(PROTOCOL_ERROR)
        mask = data[pos + head : pos + head + 4]
        payload = unmask(data[pos + head + 4 : pos + head + 4 + length], mask)
        whole = len(mask) == 4 and len(payload) == length
        text = opcode == TEXT or (opcode == CONTINUATION and message_opcode == TEXT)
        if text and not _valid_utf8_prefix(b"".join(parts) + payload):
            return fail(INVALID_DATA)
        if not whole:
            break
        pos += head + 4 + length
        if opcode == CLOSE:
            reading.closed = True
            if not payload:
                reading.events.append((CLOSE, (1005, "")))
                return reading
            code = int.from_bytes(payload[:2], "big")
            if len(payload) < 2 or not (code in CLOSE_CODES or 3000 <= code <= 4999):
                return fail(PROTOCOL_ERROR)
            try:
                reason = payload[2:].decode("utf-8")
            except UnicodeDecodeError:
                return fail(INVALID_DATA)
            reading.events.append((CLOSE, (code, reason)))
            return reading
        if opcode in (PING, PONG):
            reading.events.append((opcode, payload))
            continue
        if opcode:
            message_opcode = opcode
        parts.append(payload)
        if fin:
            value = b"".join(parts)
            if message_opcode == TEXT:
                try:
                    reading.events.append((TEXT, value.decode("utf-8")))
                except UnicodeDecodeError:
                    return fail(INVALID_DATA)
            else:
                reading.events.append((BINARY, value))
            message_opcode = 0
            parts = []
    return reading

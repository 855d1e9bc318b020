"""Albany's frame reader and writer, sans-IO: fed whole, byte by byte and in two halves.

The client frames come from ``tests/websocket/raw.py``, written from the RFC on its own.
"""

from __future__ import annotations

import os
import zlib
from typing import Literal

import pytest

from albany.websocket.extensions import Deflate
from albany.websocket.frames import (
    BINARY,
    CLOSE,
    PING,
    PONG,
    TEXT,
    Event,
    FrameReader,
    FrameWriter,
    unmask,
    unmask_python,
)
from tests.websocket.raw import CONTINUATION, close_frame, frame, parse_frames

Mode = Literal["whole", "bytewise", "halves"]


@pytest.fixture(params=["whole", "bytewise", "halves"])
def mode(request: pytest.FixtureRequest) -> Mode:
    value: Mode = request.param
    return value


def read(
    data: bytes,
    mode: Mode,
    frame_limit: int | None = None,
    message_limit: int | None = None,
    deflate: Deflate | None = None,
) -> tuple[list[Event], FrameReader]:
    reader = FrameReader(frame_limit, message_limit, deflate)
    if mode == "whole":
        events = reader.feed(data)
    elif mode == "bytewise":
        events = [event for i in range(len(data)) for event in reader.feed(data[i : i + 1])]
    else:
        half = len(data) // 2
        events = reader.feed(data[:half]) + reader.feed(data[half:])
    return events, reader


def compress(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-15)
    return (compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH))[:-4]


# Messages


def test_messages_of_every_length_class(mode: Mode) -> None:
    sizes = (0, 1, 125, 126, 65535, 65536, 70000)
    data = b"".join(frame(BINARY, bytes([n % 256]) * n) for n in sizes)
    data += frame(TEXT, "é€ok".encode())
    events, reader = read(data, mode)
    assert events == [(BINARY, bytes([n % 256]) * n) for n in sizes] + [(TEXT, "é€ok")]
    assert reader.failure is None


def test_fragments_joined_with_control_frames_between(mode: Mode) -> None:
    text = "snowman ☃ splits".encode()
    split = text.index("☃".encode()) + 1  # inside the three-byte character
    data = (
        frame(TEXT, text[:split], fin=False)
        + frame(PING, b"p")
        + frame(CONTINUATION, text[split:-1], fin=False)
        + frame(PONG, b"q")
        + frame(CONTINUATION, text[-1:])
        + frame(BINARY, b"ab", fin=False)
        + frame(CONTINUATION, b"", fin=False)
        + frame(CONTINUATION, b"cd")
    )
    events, _ = read(data, mode)
    assert events == [(PING, b"p"), (PONG, b"q"), (TEXT, text.decode()), (BINARY, b"abcd")]


def test_close_frames(mode: Mode) -> None:
    events, reader = read(close_frame(4000, "bye ☃".encode()) + frame(TEXT, b"late"), mode)
    assert events == [(CLOSE, (4000, "bye ☃"))]
    assert reader.closed
    assert reader.feed(frame(TEXT, b"later")) == []
    events, _ = read(close_frame(), mode)
    assert events == [(CLOSE, (1005, ""))]


# Protocol errors: the code, and nothing read after


@pytest.mark.parametrize(
    "data, code",
    [
        (bytes((0x82, 3)) + b"abc", 1002),  # unmasked
        (frame(0x3, b"x"), 1002),  # reserved data opcode
        (frame(0xB, b"x"), 1002),  # reserved control opcode
        (frame(BINARY, b"x", rsv1=True), 1002),  # RSV1 without deflate
        (frame(PING, b"x", fin=False), 1002),  # fragmented control frame
        (frame(PING, b"x" * 126), 1002),  # control frame over 125 bytes
        (frame(CONTINUATION, b"x"), 1002),  # nothing to continue
        (frame(TEXT, b"a", fin=False) + frame(TEXT, b"b"), 1002),  # new message too soon
        (close_frame()[:1] + bytes((0x81,)) + b"\0\0\0\0x", 1002),  # one-byte close payload
        (close_frame(1004), 1002),
        (close_frame(1005), 1002),
        (close_frame(1006), 1002),
        (close_frame(2999), 1002),
        (close_frame(5000), 1002),
        (close_frame(1000, b"\xff"), 1007),
        (frame(TEXT, b"\xce"), 1007),  # truncated character in a whole message
        (frame(TEXT, b"ok \xff", fin=False), 1007),  # fails at the first fragment
        (bytes((0x82, 0xFF)) + b"\x80" + bytes(7) + bytes(4), 1002),  # 64-bit length, high bit
    ],
)
def test_protocol_errors(mode: Mode, data: bytes, code: int) -> None:
    events, reader = read(frame(TEXT, b"before") + data, mode)
    assert events == [(TEXT, "before")]  # what came first is kept
    assert reader.failure is not None and reader.failure[0] == code
    assert reader.feed(frame(TEXT, b"after")) == []


def test_limits_apply_at_the_header(mode: Mode) -> None:
    header_only = frame(BINARY, b"x" * 1000)[:8]  # 126-length header and mask, no payload
    _, reader = read(header_only, mode, frame_limit=999)
    assert reader.failure == (1009, "Frame too large")
    fragments = frame(BINARY, b"x" * 600, fin=False) + frame(CONTINUATION, b"y" * 600)[:8]
    _, reader = read(fragments, mode, message_limit=1000)
    assert reader.failure == (1009, "Message too large")
    events, reader = read(frame(BINARY, b"x" * 1000), mode, frame_limit=1000, message_limit=1000)
    assert events == [(BINARY, b"x" * 1000)] and reader.failure is None


# permessage-deflate


def test_compressed_messages_and_fragments(mode: Mode) -> None:
    deflate = Deflate(15, False, False)
    whole = compress(b"hello " * 100)
    data = frame(BINARY, whole, rsv1=True) + frame(TEXT, compress("tëxt".encode()), rsv1=True)
    split = compress(b"fragmented")
    data += frame(BINARY, split[:3], rsv1=True, fin=False) + frame(PING, b"")
    data += frame(CONTINUATION, split[3:]) + frame(BINARY, b"plain")
    events, reader = read(data, mode, deflate=deflate)
    assert events == [
        (BINARY, b"hello " * 100),
        (TEXT, "tëxt"),
        (PING, b""),
        (BINARY, b"fragmented"),
        (BINARY, b"plain"),
    ]
    assert reader.failure is None


def test_inflation_is_bounded_and_bad_data_fails(mode: Mode) -> None:
    bomb = compress(b"\0" * 10_000_000)
    _, reader = read(frame(BINARY, bomb, rsv1=True), mode, 1 << 20, 100_000, Deflate(15, 0, 0))
    assert reader.failure == (1009, "Message too large")
    garbage = frame(BINARY, b"\xff\xff\xff\xff", rsv1=True)
    _, reader = read(garbage, mode, deflate=Deflate(15, False, False))
    assert reader.failure is not None and reader.failure[0] == 1007
    continuation = frame(BINARY, compress(b"ab"), fin=False, rsv1=True)
    _, reader = read(
        continuation + frame(CONTINUATION, b"", rsv1=True), mode, deflate=Deflate(15, 0, 0)
    )
    assert reader.failure is not None and reader.failure[0] == 1002


# The writer


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536])
def test_writer_frames_parse_back(size: int) -> None:
    writer = FrameWriter()
    payload = os.urandom(size)
    ((fin, opcode, parsed),) = parse_frames(writer.message(payload))
    assert (fin, opcode, parsed) == (True, BINARY, payload)
    ((_, opcode, parsed),) = parse_frames(writer.message("é"))
    assert (opcode, parsed) == (TEXT, "é".encode())


def test_writer_control_frames_and_close_reason_cut_on_a_character() -> None:
    writer = FrameWriter()
    assert parse_frames(writer.ping(b"a") + writer.pong(b"b")) == [
        (True, PING, b"a"),
        (True, PONG, b"b"),
    ]
    assert parse_frames(writer.close()) == [(True, CLOSE, b"")]
    ((_, _, payload),) = parse_frames(writer.close(1001, "€" * 50))
    assert payload[:2] == b"\x03\xe9"
    assert payload[2:].decode() == "€" * 41  # 123 bytes hold 41 three-byte characters


def test_writer_compresses_with_rsv1() -> None:
    writer = FrameWriter(Deflate(15, False, False))
    data = writer.message(b"z" * 1000)
    assert data[0] == 0xC2  # FIN, RSV1, binary
    ((_, _, payload),) = parse_frames(data)
    assert zlib.decompressobj(-15).decompress(payload + b"\0\0\xff\xff") == b"z" * 1000


def test_unmask_in_c_and_python_agree() -> None:
    for size in (0, 1, 3, 4, 5, 1000, 65536 + 3):
        payload, mask = os.urandom(size), os.urandom(4)
        expected = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        assert unmask(payload, mask) == unmask_python(payload, mask) == expected


def test_invalid_text_fails_before_its_frame_is_complete() -> None:
    prefix = "valid ☃ so far ".encode() * 10
    data = frame(TEXT, prefix + b"\xff and more" + b"x" * 1000)
    bad = 8 + len(prefix)  # 2 + 2 bytes of header (126-length form), 4 of mask
    reader = FrameReader(None, None)
    assert reader.feed(data[: 8 + 7]) == []  # the middle of the first snowman
    assert reader.feed(data[8 + 7 : bad]) == []
    assert reader.failure is None  # nothing invalid yet, and the frame is not complete
    assert reader.feed(data[bad : bad + 1]) == []
    assert reader.failure == (1007, "Invalid UTF-8 in a text message")


def test_fail_fast_checks_only_text_payloads(mode: Mode) -> None:
    # a text frame followed by a binary frame whose bytes are not UTF-8: only the text
    # frame's payload is checked, wherever the reads split them
    data = frame(TEXT, "é".encode() * 300) + frame(BINARY, b"\xff" * 50)
    events, reader = read(data, mode)
    assert events == [(TEXT, "é" * 300), (BINARY, b"\xff" * 50)]
    assert reader.failure is None
    snowman = "☃".encode()  # split across two fragments, each arriving in pieces
    data = frame(TEXT, b"ab" + snowman[:1], fin=False) + frame(CONTINUATION, snowman[1:] + b"cd")
    events, reader = read(data, mode)
    assert events == [(TEXT, "ab☃cd")] and reader.failure is None
    compressed = frame(TEXT, compress("ok ☃".encode() * 100), rsv1=True)  # not checked raw
    events, reader = read(compressed, mode, deflate=Deflate(15, False, False))
    assert events == [(TEXT, "ok ☃" * 100)] and reader.failure is None


def test_invalid_text_fails_early_however_the_frame_head_arrives(mode: Mode) -> None:
    """Found by tests/fuzz: a text frame whose head came in pieces was never checked early."""
    data = frame(TEXT, b"ok\xff" + b"x" * 300)[:-100]  # the frame is not complete
    events, reader = read(data, mode)
    assert events == []
    assert reader.failure == (1007, "Invalid UTF-8 in a text message")

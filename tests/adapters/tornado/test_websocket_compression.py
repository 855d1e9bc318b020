"""Tornado's compression rule and message limit, applied by Albany while reading frames."""

from __future__ import annotations

import struct
import zlib
from typing import Any

from albany.testing import LiveServer
from tests.adapters.tornado.ws_app import MAX_MESSAGE_SIZE
from tests.websocket.raw import BINARY, CLOSE, RawWebSocket, frame

APP = "tests.adapters.tornado.ws_app:app"
DEFLATE = b"Sec-WebSocket-Extensions: permessage-deflate\r\n"


def compressed(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-15)
    return (compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH))[:-4]


def test_no_deflate_unless_the_handler_has_compression_options(server_pool: Any, loop: str) -> None:
    server: LiveServer = server_pool.get(APP, loop)
    with RawWebSocket(server) as ws:
        headers = ws.handshake("/ws/echo", DEFLATE)  # get_compression_options() is None
        assert "sec-websocket-extensions" not in headers
    with RawWebSocket(server) as ws:
        headers = ws.handshake("/ws/compressed", DEFLATE)
        assert headers["sec-websocket-extensions"].startswith("permessage-deflate")
        ws.send(frame(BINARY, compressed(b"a" * MAX_MESSAGE_SIZE), rsv1=True))
        echoed = ws.read_frame()
        inflated = zlib.decompressobj(-15).decompress(echoed.payload + b"\x00\x00\xff\xff")
        assert inflated == b"a" * MAX_MESSAGE_SIZE


def test_a_small_frame_inflating_past_the_limit_closes_1009(server_pool: Any, loop: str) -> None:
    server: LiveServer = server_pool.get(APP, loop)
    bomb = compressed(b"\x00" * 10_000_000)  # some 10 KB on the wire, 10 MB inflated
    with RawWebSocket(server) as ws:
        ws.handshake("/ws/compressed", DEFLATE)
        ws.send(frame(BINARY, bomb, rsv1=True))
        closing = ws.read_frame()
    assert closing.opcode == CLOSE
    assert struct.unpack("!H", closing.payload[:2])[0] == 1009
    assert closing.payload[2:] == b"message too big"  # Tornado's reason

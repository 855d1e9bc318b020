"""The message size limit holds while a compressed message is inflated, on every loop."""

from __future__ import annotations

import zlib
from typing import Any

from albany.testing import LiveServer
from tests.websocket.raw import BINARY, RawWebSocket, frame

DEFLATE = b"Sec-WebSocket-Extensions: permessage-deflate\r\n"


def compress(data: bytes) -> bytes:
    """``data`` as one permessage-deflate message (RFC 7692 §7.2.1: the tail taken off)."""
    compressor = zlib.compressobj(wbits=-15)
    return (compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH))[:-4]


def test_a_compressed_message_inflating_beyond_the_limit_is_1009(start_server: Any) -> None:
    server: LiveServer = start_server("tests.websocket.apps:echo", "--ws-max-size", "100000")
    with RawWebSocket(server) as ws:
        headers = ws.handshake("/bomb", DEFLATE)
        assert headers["sec-websocket-extensions"].startswith("permessage-deflate")
        small = compress(b"s" * 100_000)
        ws.send(frame(BINARY, small, rsv1=True))  # at the limit once inflated: fine
        echoed = ws.read_frame().payload
        if echoed != b"s" * 100_000:  # the echo may come compressed too
            echoed = zlib.decompressobj(-15).decompress(echoed + b"\x00\x00\xff\xff")
        assert echoed == b"s" * 100_000
    with RawWebSocket(server) as ws:
        ws.handshake("/bomb", DEFLATE)
        bomb = compress(b"\0" * 50_000_000)  # about 50 KiB on the wire, 50 MB inflated
        assert len(bomb) < 100_000
        ws.send(frame(BINARY, bomb, rsv1=True))
        assert ws.read_frame().close_code == 1009
        assert ws.is_closed()

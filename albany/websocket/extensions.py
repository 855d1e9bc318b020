"""wsproto extensions the server installs: size limits, and permessage-deflate (RFC 7692).

wsproto's frame decoder calls every extension for every frame, control frames
included: ``frame_inbound_header`` once, ``frame_inbound_payload_data`` for each piece
of payload as it arrives, ``frame_inbound_complete`` at the frame's end. Both extensions
here therefore remember whether the current frame is a control frame (RFC 6455 lets a
control frame arrive between two fragments of a message) and leave it alone.

Invariants:

1. No frame payload over ``frame_limit`` bytes (as sent) is read: 1009 at its header.
2. No message over ``max_message_size`` bytes (after decompression) is built: 1009 as
   soon as it grows past the limit; decompression never produces more than the limit + 1
   bytes, so a small compressed frame cannot inflate into memory.
3. RSV1 is accepted only on the first frame of a data message, and only with deflate on.
"""

from __future__ import annotations

import zlib

from wsproto.extensions import Extension
from wsproto.frame_protocol import CloseReason, FrameDecoder, FrameProtocol, Opcode, RsvBits

from albany.websocket.settings import WebSocketSettings

_NO_RSV = RsvBits(False, False, False)
_RSV1 = RsvBits(True, False, False)
_DEFLATE_TAIL = b"\x00\x00\xff\xff"

Proto = FrameDecoder | FrameProtocol


class SizeLimits(Extension):
    """Frame and message size limits; installed on every session, never negotiated."""

    name = "albany-size-limits"

    def __init__(self, frame_limit: int | None, message_limit: int | None) -> None:
        self._frame_limit = frame_limit
        self._message_limit = message_limit
        self._control = False
        self._message_size = 0

    def enabled(self) -> bool:
        return True

    def offer(self) -> bool | str:
        return False

    def frame_inbound_header(
        self, proto: Proto, opcode: Opcode, rsv: RsvBits, payload_length: int
    ) -> CloseReason | RsvBits:
        self._control = opcode.iscontrol()
        if not self._control:
            if opcode is not Opcode.CONTINUATION:
                self._message_size = 0
            if self._frame_limit is not None and payload_length > self._frame_limit:
                return CloseReason.MESSAGE_TOO_BIG
        return _NO_RSV

    def frame_inbound_payload_data(self, proto: Proto, data: bytes) -> bytes | CloseReason:
        if not self._control and self._message_limit is not None:
            self._message_size += len(data)
            if self._message_size > self._message_limit:
                return CloseReason.MESSAGE_TOO_BIG
        return data

    def frame_inbound_complete(self, proto: Proto, fin: bool) -> bytes | CloseReason | None:
        return None


class PerMessageDeflate(Extension):
    """permessage-deflate as the server side agreed it; inflation bounded (invariant 2)."""

    name = "permessage-deflate"

    def __init__(
        self,
        server_max_window_bits: int,
        server_no_context_takeover: bool,
        client_no_context_takeover: bool,
        message_limit: int | None,
    ) -> None:
        self._server_bits = server_max_window_bits
        self._server_no_takeover = server_no_context_takeover
        self._client_no_takeover = client_no_context_takeover
        self._limit = message_limit
        self._compressor: zlib._Compress | None = None
        self._decompressor: zlib._Decompress | None = None
        self._control = False
        self._inflating = False
        self._inflated = 0

    def enabled(self) -> bool:
        return True

    def offer(self) -> bool | str:
        return False  # server side only

    # incoming

    def frame_inbound_header(
        self, proto: Proto, opcode: Opcode, rsv: RsvBits, payload_length: int
    ) -> CloseReason | RsvBits:
        self._control = opcode.iscontrol()
        if self._control or opcode is Opcode.CONTINUATION:
            return CloseReason.PROTOCOL_ERROR if rsv.rsv1 else _NO_RSV
        self._inflating = rsv.rsv1
        self._inflated = 0
        if self._inflating and self._decompressor is None:
            self._decompressor = zlib.decompressobj(-15)
        return _RSV1

    def _inflate(self, data: bytes) -> bytes | CloseReason:
        assert self._decompressor is not None
        limit = self._limit
        try:
            if limit is None:
                out = self._decompressor.decompress(data)
            else:
                out = self._decompressor.decompress(data, limit - self._inflated + 1)
        except zlib.error:
            return CloseReason.INVALID_FRAME_PAYLOAD_DATA
        self._inflated += len(out)
        if limit is not None and self._inflated > limit:
            return CloseReason.MESSAGE_TOO_BIG
        return out

    def frame_inbound_payload_data(self, proto: Proto, data: bytes) -> bytes | CloseReason:
        if self._control or not self._inflating:
            return data
        return self._inflate(data)

    def frame_inbound_complete(self, proto: Proto, fin: bool) -> bytes | CloseReason | None:
        if self._control or not fin or not self._inflating:
            return None
        self._inflating = False
        tail = self._inflate(_DEFLATE_TAIL)
        if self._client_no_takeover:
            self._decompressor = None
        return tail

    # outgoing

    def frame_outbound(
        self, proto: Proto, opcode: Opcode, rsv: RsvBits, data: bytes, fin: bool
    ) -> tuple[RsvBits, bytes]:
        if opcode.iscontrol():
            return rsv, data
        if opcode is not Opcode.CONTINUATION:
            rsv = RsvBits(True, rsv.rsv2, rsv.rsv3)
        compressor = self._compressor
        if compressor is None:
            compressor = self._compressor = zlib.compressobj(
                zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -self._server_bits
            )
        data = compressor.compress(data)
        if fin:
            data += compressor.flush(zlib.Z_SYNC_FLUSH)
            if data.endswith(_DEFLATE_TAIL):
                data = data[:-4]
            if self._server_no_takeover:
                self._compressor = None
        return rsv, data


def _parse_offer(offer: str) -> dict[str, str | None] | None:
    """The parameters of one permessage-deflate offer; None when it is not one or is malformed."""
    name, *params = (part.strip() for part in offer.split(";"))
    if name.lower() != PerMessageDeflate.name:
        return None
    parsed: dict[str, str | None] = {}
    for param in params:
        key, eq, value = param.partition("=")
        key = key.strip().lower()
        if key in parsed:
            return None  # a parameter twice: decline this offer (RFC 7692, 7)
        parsed[key] = value.strip().strip('"') if eq else None
    return parsed


def _window_bits(value: str | None, required: bool) -> int | None:
    if value is None:
        return None if not required else -1
    if not value.isdigit() or not 8 <= int(value) <= 15:
        return -1
    return int(value)


def negotiate(offers: list[str], settings: WebSocketSettings) -> tuple[list[Extension], str | None]:
    """The extensions for a session, and the ``Sec-WebSocket-Extensions`` value to answer.

    The first acceptable permessage-deflate offer wins. An offer that asks the server for a
    window of 8 bits is declined: zlib cannot compress raw deflate with a 256-byte window.
    """
    limits = SizeLimits(settings.frame_limit, settings.max_message_size)
    if not settings.per_message_deflate:
        return [limits], None
    for offer in offers:
        params = _parse_offer(offer)
        if params is None:
            continue
        if set(params) - {
            "server_no_context_takeover",
            "client_no_context_takeover",
            "server_max_window_bits",
            "client_max_window_bits",
        }:
            continue
        if (
            params.get("server_no_context_takeover") is not None
            or params.get("client_no_context_takeover") is not None
        ):
            continue  # these take no value
        server_bits = 15
        answer = [PerMessageDeflate.name]
        if "server_max_window_bits" in params:
            bits = _window_bits(params["server_max_window_bits"], required=True)
            if bits is None or bits < 9:
                continue
            server_bits = bits
            answer.append(f"server_max_window_bits={bits}")
        if "client_max_window_bits" in params:
            bits = _window_bits(params["client_max_window_bits"], required=False)
            if bits == -1:
                continue
        server_no_takeover = "server_no_context_takeover" in params
        client_no_takeover = "client_no_context_takeover" in params
        if server_no_takeover:
            answer.append("server_no_context_takeover")
        if client_no_takeover:
            answer.append("client_no_context_takeover")
        deflate = PerMessageDeflate(
            server_bits, server_no_takeover, client_no_takeover, settings.max_message_size
        )
        # deflate first: the limits see each message's size after inflation
        return [deflate, limits], "; ".join(answer)
    return [limits], None

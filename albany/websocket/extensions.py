"""permessage-deflate (RFC 7692) as the server agreed it, and the negotiation of it.

Invariants:

1. Inflation is bounded: ``Deflate.inflate`` never produces more than the room left in
   the message limit + 1 bytes, so a small compressed frame cannot inflate into memory
   (1009 beyond the limit).
2. Only the first frame of a data message carries RSV1 (``frames.py`` checks the bits);
   control frames are never compressed, so one arriving between two compressed fragments
   leaves the compression state alone.
"""

from __future__ import annotations

import zlib

from albany.websocket.settings import WebSocketSettings

_DEFLATE_TAIL = b"\x00\x00\xff\xff"
INVALID_DATA = 1007
TOO_BIG = 1009
NAME = "permessage-deflate"


class FrameError(Exception):
    """The peer's data breaks the protocol or a limit: close with ``code``."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason


class Deflate:
    """One session's compressor and decompressor, with the agreed parameters."""

    __slots__ = (
        "_server_bits",
        "_server_no_takeover",
        "_client_no_takeover",
        "_compressor",
        "_decompressor",
    )

    def __init__(
        self,
        server_max_window_bits: int,
        server_no_context_takeover: bool,
        client_no_context_takeover: bool,
    ) -> None:
        self._server_bits = server_max_window_bits
        self._server_no_takeover = server_no_context_takeover
        self._client_no_takeover = client_no_context_takeover
        self._compressor: zlib._Compress | None = None
        self._decompressor: zlib._Decompress | None = None

    def inflate(self, data: bytes, last: bool, room: int | None) -> bytes:
        """Decompress one frame of a message; ``room``: bytes the message may still take."""
        decompressor = self._decompressor
        if decompressor is None:
            decompressor = self._decompressor = zlib.decompressobj(-15)
        if last:
            data += _DEFLATE_TAIL
        try:
            if room is None:
                out = decompressor.decompress(data)
            else:
                out = decompressor.decompress(data, room + 1)
        except zlib.error:
            raise FrameError(INVALID_DATA, "Invalid compressed data") from None
        if room is not None and len(out) > room:
            raise FrameError(TOO_BIG, "Message too large")
        if last and self._client_no_takeover:
            self._decompressor = None
        return out

    def compress(self, data: bytes) -> bytes:
        """One whole message, compressed, without the trailing empty block."""
        compressor = self._compressor
        if compressor is None:
            compressor = self._compressor = zlib.compressobj(
                zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -self._server_bits
            )
        out = compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)
        if out.endswith(_DEFLATE_TAIL):
            out = out[:-4]
        if self._server_no_takeover:
            self._compressor = None
        return out


def _parse_offer(offer: str) -> dict[str, str | None] | None:
    """The parameters of one permessage-deflate offer; None when it is not one or is malformed."""
    name, *params = (part.strip() for part in offer.split(";"))
    if name.lower() != NAME:
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


def negotiate(offers: list[str], settings: WebSocketSettings) -> tuple[Deflate | None, str | None]:
    """The session's deflate (None: not agreed), and the ``Sec-WebSocket-Extensions`` answer.

    The first acceptable permessage-deflate offer wins. An offer that asks the server for a
    window of 8 bits is declined: zlib cannot compress raw deflate with a 256-byte window.
    """
    if not settings.per_message_deflate:
        return None, None
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
        answer = [NAME]
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
        return Deflate(server_bits, server_no_takeover, client_no_takeover), "; ".join(answer)
    return None, None

"""HTTP/2 settings and the bounds that keep a hostile client cheap (``Config.http2``)."""

from __future__ import annotations

from dataclasses import dataclass

from albany.settings_check import at_least


@dataclass(frozen=True)
class Http2Settings:
    """What Albany advertises in SETTINGS, and the abuse bounds it enforces itself.

    Header and body sizes come from ``albany.Limits`` (``max_header_size``,
    ``max_body_size``), as for HTTP/1.1.
    """

    max_concurrent_streams: int = 100
    """Streams a client may have open; one more is refused with RST_STREAM(REFUSED_STREAM)."""
    initial_window_size: int = 65535
    """Each stream's receive window: the request body buffered before the app reads it."""
    max_frame_size: int = 16384
    """Largest frame payload accepted."""
    header_table_size: int = 4096
    """The HPACK dynamic table the client may use."""
    max_rapid_resets: int = 200
    """Streams the client may reset before their response within ``abuse_window`` seconds
    (CVE-2023-44487); more ends the connection with GOAWAY(ENHANCE_YOUR_CALM)."""
    max_control_frames: int = 1000
    """PING and SETTINGS frames accepted within ``abuse_window`` seconds, else the same."""
    abuse_window: float = 10.0
    """The sliding window the two bounds above are counted over."""

    def __post_init__(self) -> None:
        at_least("max_concurrent_streams", self.max_concurrent_streams, 1)
        at_least("initial_window_size", self.initial_window_size, 1)
        at_least("max_frame_size", self.max_frame_size, 16384)
        at_least("header_table_size", self.header_table_size, 0)
        at_least("max_rapid_resets", self.max_rapid_resets, 1)
        at_least("max_control_frames", self.max_control_frames, 1)
        at_least("abuse_window", self.abuse_window, 0)
        if self.initial_window_size > 2**31 - 1 or self.max_frame_size > 2**24 - 1:
            raise ValueError("initial_window_size or max_frame_size above RFC 9113's maximum")

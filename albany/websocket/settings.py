"""WebSocket settings: limits, keepalive, timeouts and compression (``Config.websocket``)."""

from __future__ import annotations

from dataclasses import dataclass

from albany.settings_check import at_least


@dataclass(frozen=True)
class WebSocketSettings:
    """How the server runs each WebSocket session. Defaults are the CLI's."""

    max_message_size: int | None = 16 * 1024 * 1024
    """Largest incoming message (after decompression), else close 1009; None: no limit."""
    max_frame_size: int | None = None
    """Largest incoming frame payload as sent, else close 1009; None: ``max_message_size``."""
    max_queue: int = 16
    """Incoming messages held for the app before reading pauses (back-pressure)."""
    ping_interval: float | None = 20.0
    """Seconds between keepalive pings; None sends none."""
    ping_timeout: float = 20.0
    """Seconds to wait for the pong before closing with 1011."""
    open_timeout: float = 10.0
    """Seconds the app has to accept or deny the upgrade, else 503."""
    close_timeout: float = 10.0
    """Seconds to wait for the peer's close frame after sending ours, then drop the connection."""
    per_message_deflate: bool = True
    """Accept the permessage-deflate extension (RFC 7692) when the client offers it."""

    def __post_init__(self) -> None:
        at_least("max_message_size", self.max_message_size, 1, optional=True)
        at_least("max_frame_size", self.max_frame_size, 1, optional=True)
        at_least("max_queue", self.max_queue, 1)
        at_least("ping_interval", self.ping_interval, 0, optional=True)
        at_least("ping_timeout", self.ping_timeout, 0)
        at_least("open_timeout", self.open_timeout, 0)
        at_least("close_timeout", self.close_timeout, 0)

    @property
    def frame_limit(self) -> int | None:
        return self.max_frame_size if self.max_frame_size is not None else self.max_message_size

"""autobahn's automatic pings (``setProtocolOptions(autoPingInterval=...)``) over the extension.

The same payload as autobahn's (send time in ns, sequence number, random bytes up to
``autoPingSize``), the same ``onAutoPong`` and ``onAutoPingTimeout`` callbacks. Without the
``albany.websocket.ping`` extension there is no way to ping from the app: auto-ping is
then off, with a warning, and the server's own keepalive still watches the connection.
"""

from __future__ import annotations

import logging
import os
import struct
import time
from typing import Any

from albany.neutral import Helpers
from albany_autobahn.channel import OPEN, PING, Channel

logger = logging.getLogger("albany.error")


class AutoPing:
    """One connection's auto-ping timer: ping, wait for the pong, ping again."""

    def __init__(self, channel: Channel, helpers: Helpers) -> None:
        self._channel = channel
        self._proto = channel.proto
        self._helpers = helpers
        self._timer: Any = None
        self._timeout: Any = None
        self._pending: bytes | None = None
        self._sent = 0
        self._sequence = 0

    @property
    def wanted(self) -> bool:
        """Whether the protocol asked for automatic pings."""
        return bool(self._proto.autoPingInterval)

    def start(self) -> None:
        """Arm the first ping, if asked for and possible."""
        if not self.wanted:
            return
        if not self._channel.control:
            logger.warning(
                "autoPingInterval is ignored: this server does not offer the "
                "albany.websocket.ping extension (its own keepalive pings still run)"
            )
            return
        self._schedule()

    def stop(self) -> None:
        """Cancel the timers: the connection is over."""
        for timer in (self._timer, self._timeout):
            if timer is not None:
                timer.cancel()
        self._timer = self._timeout = None

    def pong(self, payload: bytes) -> None:
        """A pong arrived: the answer to the pending auto-ping, or another one."""
        if self._pending is None or payload != self._pending:
            return
        received = time.time_ns()
        self._answered()
        proto = self._proto
        try:
            proto.onAutoPong(
                self._sent,
                self._sequence,
                received,
                int((received - self._sent) / 10**6),
                payload,
            )
        except Exception as error:  # noqa: BLE001 - a callback's error is logged, as autobahn does
            logger.error("Exception in onAutoPong", exc_info=error)

    def traffic(self) -> None:
        """A message arrived: with ``autoPingRestartOnAnyTraffic`` it counts as a pong."""
        if self._pending is not None and self._proto.autoPingRestartOnAnyTraffic:
            self._answered()

    def _answered(self) -> None:
        if self._timeout is not None:
            self._timeout.cancel()
            self._timeout = None
        self._pending = None
        self._proto.autoPingPending = None
        self._schedule()

    def _schedule(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self._helpers.call_later(self._proto.autoPingInterval, self._ping)

    def _ping(self) -> None:
        self._timer = None
        proto = self._proto
        if proto.state != OPEN:
            return
        self._sent = time.time_ns()
        self._sequence += 1
        size = int(proto.autoPingSize)
        payload = struct.pack(">QL", self._sent, self._sequence) + os.urandom(max(size - 12, 0))
        self._pending = proto.autoPingPending = payload
        self._channel.put({"type": PING, "bytes": payload})
        if proto.autoPingTimeout:
            self._timeout = self._helpers.call_later(proto.autoPingTimeout, self._timed_out)

    def _timed_out(self) -> None:
        self._timeout = None
        if self._proto.state != OPEN:
            return
        try:
            self._proto.onAutoPingTimeout()  # autobahn's drops the connection
        except Exception as error:  # noqa: BLE001 - logged, as autobahn does
            logger.error("Exception in onAutoPingTimeout", exc_info=error)

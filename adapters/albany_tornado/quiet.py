"""The drop-in server starts silently, as Tornado's does.

Albany's servers log one ``Albany serving on …`` line when they start; Tornado's
``HTTPServer.listen`` logs nothing, and applications (and Tornado's own tests, through
``ExpectLog``) rely on that. ``QUIET_START`` drops that one line for the sockets the
drop-in serves, and nothing else.
"""

from __future__ import annotations

import logging
import socket

from albany.sockets import describe

_STARTED = "Albany serving on "


class QuietStart(logging.Filter):
    """Drops the start-up line of the listening sockets added to it."""

    def __init__(self) -> None:
        super().__init__()
        self._addresses: set[str] = set()
        self._installed = False

    def add(self, sock: socket.socket) -> None:
        """Silence the start-up line of ``sock`` (plain or TLS)."""
        if not self._installed:
            logging.getLogger("albany.error").addFilter(self)
            self._installed = True
        for tls in (False, True):
            self._addresses.add(describe(sock, tls=tls))

    def filter(self, record: logging.LogRecord) -> bool:
        if not (isinstance(record.msg, str) and record.msg.startswith(_STARTED)):
            return True
        args = record.args
        return not (isinstance(args, tuple) and args and args[0] in self._addresses)


QUIET_START = QuietStart()

"""The access log line with gunicorn-style atoms (``--access-log-format``).

``%(h)s %(m)s %(U)s %(q)s %(s)s`` and so on: the format is applied by ``logging`` to an
``AccessAtoms`` mapping, so a ``--log-config`` formatter can read the same atoms from
``record.args``. An atom is computed only when the format names it.

===============  =============================================================
atom             value
===============  =============================================================
``h``            client address (after ``--proxy-headers``/``--proxy-protocol``)
``m``            request method
``U``            path, as sent (percent-encoded), no query
``q``            query string, ``-`` when there is none
``r``            request line: ``GET /p?q HTTP/1.1``
``H``            protocol: ``HTTP/1.1``
``s``            status
``B``            response body bytes; ``b``: the same, ``-`` for none
``D``            duration in microseconds; ``M`` milliseconds; ``L`` seconds with
                 decimals; ``T`` whole seconds
``f``            ``Referer`` header; ``a``: ``User-Agent`` header
``{name}i``      request header ``name`` (``%({x-request-id}i)s``)
``t``            time of the log line, ``[02/Dec/2026:15:04:05 +0000]``
``p``            process id; ``l``, ``u``: ``-``
===============  =============================================================
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import Any, Iterator, Mapping

from albany.http1.events import Request

_NAMED = ("h", "m", "U", "q", "r", "H", "s", "B", "b", "D", "M", "L", "T", "f", "a", "t", "p")


class AccessAtoms(Mapping[str, str]):
    """One response's atoms, by name; an unknown atom is ``-``."""

    __slots__ = ("_request", "_client", "_status", "_sent", "_seconds", "_wall_time")

    def __init__(
        self,
        request: Request,
        client: tuple[str, int] | None,
        status: int,
        sent: int,
        seconds: float,
        wall_time: float,
    ) -> None:
        self._request = request
        self._client = client
        self._status = status
        self._sent = sent
        self._seconds = seconds
        self._wall_time = wall_time

    def __getitem__(self, key: str) -> str:
        request = self._request
        if key.startswith("{") and key.endswith("}i"):
            return self._header(key[1:-2].lower().encode("latin-1"))
        if key == "h":
            return self._client[0] if self._client else "-"
        if key == "m":
            return request.method
        if key == "U":
            return request.raw_path.decode("latin-1")
        if key == "q":
            return request.query_string.decode("latin-1") or "-"
        if key == "r":
            query = request.query_string.decode("latin-1")
            target = request.raw_path.decode("latin-1") + (f"?{query}" if query else "")
            return f"{request.method} {target} HTTP/{request.http_version}"
        if key == "H":
            return f"HTTP/{request.http_version}"
        if key == "s":
            return str(self._status)
        if key in ("B", "b"):
            return str(self._sent) if self._sent or key == "B" else "-"
        if key == "D":
            return str(int(self._seconds * 1_000_000))
        if key == "M":
            return str(int(self._seconds * 1000))
        if key == "L":
            return f"{self._seconds:.6f}"
        if key == "T":
            return str(int(self._seconds))
        if key == "f":
            return self._header(b"referer")
        if key == "a":
            return self._header(b"user-agent")
        if key == "t":
            moment = datetime.fromtimestamp(self._wall_time, timezone.utc)
            return moment.strftime("[%d/%b/%Y:%H:%M:%S %z]")
        if key == "p":
            return str(os.getpid())
        return "-"

    def _header(self, name: bytes) -> str:
        values = [value for key, value in self._request.headers if key == name]
        return b",".join(values).decode("latin-1") if values else "-"

    def __iter__(self) -> Iterator[str]:
        return iter(_NAMED)

    def __len__(self) -> int:
        return len(_NAMED)

    def as_dict(self) -> dict[str, Any]:
        """Every named atom, computed (for structured log formatters)."""
        return {key: self[key] for key in _NAMED}


def check_format(access_format: str) -> None:
    """Raise ``ValueError`` unless ``access_format`` formats with the atoms."""
    probe = Request("GET", "1.1", b"/", "/", b"", [], True, False, False, None)
    access_format % AccessAtoms(probe, None, 200, 0, 0.0, 0.0)

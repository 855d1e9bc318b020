"""Autobahn's protocol cases (kosoku) against the echo app, on every loop.

The core cases (framing, pings, reserved bits, opcodes, fragmentation, UTF-8, close
handling, limits) run here; the performance and compression cases take minutes per
loop and run from ``python -m tests.websocket.autobahn --all`` (docs/guides/websocket.md).
"""

from __future__ import annotations

import pytest

from albany.testing import LiveServer
from tests.websocket.autobahn import ECHO, SERVER_ARGS, SLOW, failures, kosoku_command, run_cases


@pytest.mark.skipif(kosoku_command() is None, reason="kosoku is not installed")
def test_autobahn_core_cases(server_pool: object, loop: str) -> None:
    server: LiveServer = server_pool.get(ECHO, loop, *SERVER_ARGS)  # type: ignore[attr-defined]
    results = run_cases(server, exclude=SLOW, timeout=120)
    assert len(results) >= 240  # every case of sections 1 to 7 and 10
    assert failures(results) == []
    assert all(r["behavior"] in ("OK", "NON-STRICT", "INFORMATIONAL") for r in results.values())

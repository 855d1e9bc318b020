"""Reading what a test app saw happen, through its ``/events`` route."""

from __future__ import annotations

import time

import httpx

from albany.testing import LiveServer


def events(server: LiveServer) -> list[str]:
    """The app's ``/events`` list."""
    result: list[str] = httpx.get(server.url + "/events").json()
    return result


def wait_for_event(server: LiveServer, event: str, timeout: float = 10.0) -> bool:
    """Poll ``/events`` until ``event`` is in it; False when ``timeout`` passes first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if event in events(server):
            return True
        time.sleep(0.05)
    return False


def wait_for_output(server: LiveServer, text: str, timeout: float = 10.0) -> str:
    """Poll the server's output until a line holds ``text``; that line ("" when ``timeout``
    passes first)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in server.output().splitlines():
            if text in line:
                return line
        time.sleep(0.02)
    return ""

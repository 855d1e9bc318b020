"""A burst of WebSocket messages lets the loop run between ``on_message`` calls, as Tornado does."""

from __future__ import annotations

from typing import Any

from albany.testing import LiveServer
from tests.websocket.raw import TEXT, RawWebSocket, frame

APP = "tests.adapters.tornado.ws_app:app"
BURST = 2000


def test_a_burst_of_frames_yields_to_the_loop(server_pool: Any, loop: str) -> None:
    server: LiveServer = server_pool.get(APP, loop)
    with RawWebSocket(server) as ws:
        ws.handshake("/ws/burst")
        ws.send(b"".join(frame(TEXT, b"x") for _ in range(BURST)) + frame(TEXT, b"end"))
        answer = ws.read_frame().payload.decode()
    prefix, _, count = answer.rpartition(" of ")
    assert count == str(BURST), answer
    # the callback scheduled at the first message ran before the last one was delivered
    assert prefix != "tick after None", answer
    assert int(prefix.removeprefix("tick after ")) < BURST, answer

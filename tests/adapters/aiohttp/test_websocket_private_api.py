"""What the WebSocket bridge takes from aiohttp's private API is still there, as it was.

These fail loudly on an aiohttp release that moves what ``_aiohttp_private.py`` names.
"""

from __future__ import annotations

import inspect
import re

from aiohttp import web, web_ws

from albany_aiohttp.websocket import AsgiWebSocket


def test_the_response_uses_its_writer_only_as_the_stand_in_provides() -> None:
    source = inspect.getsource(web_ws.WebSocketResponse)
    used = set(re.findall(r"self\._writer\.(\w+)", source))
    assert used and used <= {"send_frame", "close", "transport"}
    for name in used:
        assert hasattr(AsgiWebSocket, name) or name == "transport"


def test_the_queue_and_writer_exist_when_the_parser_is_set() -> None:
    post_start = inspect.getsource(web_ws.WebSocketResponse._post_start)
    writer_at = post_start.index("self._writer = writer")
    reader_at = post_start.index("self._reader = WebSocketDataQueue(")
    assert writer_at < reader_at < post_start.index(".set_parser(")


def test_the_settings_and_hooks_the_bridge_reads() -> None:
    response = web.WebSocketResponse(
        autoping=False, heartbeat=3.0, max_msg_size=10, decode_text=False
    )
    assert (response._autoping, response._heartbeat, response._max_msg_size) == (False, 3.0, 10)
    assert response._decode_text is False and callable(response._cancel_heartbeat)
    assert "_prepare_hook" in vars(web.Request)
    start = inspect.getsource(web.StreamResponse._start)
    assert start.index("_prepare_hook(self)") < start.index("_write_headers()")
    assert "_cls" in inspect.signature(web.Application._make_request).parameters

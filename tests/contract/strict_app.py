"""A neutral app for the strict contract tests: reason phrases and the app's Content-Length."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import albany


@albany.flavour("neutral")
async def app(scope: Any, receive: Any, send: Any) -> None:
    """``/reason?r=TEXT`` answers with that reason; ``/length?v=VALUE`` with that length."""
    if scope["type"] != "http":
        return
    query = {
        k: v[0]
        for k, v in parse_qs(scope["query_string"].decode("latin-1"), encoding="latin-1").items()
    }
    start: dict[str, Any] = {"type": "http.response.start", "status": 200, "headers": []}
    if scope["path"] == "/reason":
        assert scope["extensions"]["albany.http.reason"] == {}
        # ``u`` is read as UTF-8, for a reason phrase outside latin-1
        start["reason"] = query["r"] if "r" in query else query["u"].encode("latin-1").decode()
    elif scope["path"] == "/length":
        start["headers"] = [(b"content-length", v.encode("latin-1")) for v in query["v"].split(",")]
    await send(start)
    await send({"type": "http.response.body", "body": b"ok"})

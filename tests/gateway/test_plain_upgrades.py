"""An invalid WebSocket handshake as a plain request, for apps that ask for it.

The app says so with ``__albany_plain_upgrades__``.
"""

from __future__ import annotations

from typing import Any

from tests.gateway.harness import GET, Gateway, Receive, Send

UPGRADE_WITHOUT_KEY = (
    b"GET /a HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
)


def recording(seen: list[Any], plain_upgrades: bool) -> Any:
    async def app(scope: Any, receive: Receive, send: Send) -> None:
        seen.append((scope["type"], scope.get("path")))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"plain"})

    if plain_upgrades:
        app.__albany_plain_upgrades__ = True  # type: ignore[attr-defined]
    return app


def test_an_invalid_handshake_is_refused_by_default() -> None:
    seen: list[Any] = []
    gateway = Gateway(recording(seen, plain_upgrades=False))
    gateway.feed(UPGRADE_WITHOUT_KEY + GET)
    (response,) = gateway.responses()
    assert response.status == 426
    assert seen == []
    assert gateway.transport.closed


def test_an_app_that_asks_gets_it_as_http_and_the_connection_goes_on() -> None:
    seen: list[Any] = []
    gateway = Gateway(recording(seen, plain_upgrades=True))
    gateway.feed(UPGRADE_WITHOUT_KEY + GET)  # pipelined: the next request follows at once
    assert [r.status for r in gateway.responses()] == [200, 200]
    assert seen == [("http", "/a"), ("http", "/")]
    assert not gateway.transport.closed
    gateway.feed(UPGRADE_WITHOUT_KEY[:30])  # and in pieces
    gateway.feed(UPGRADE_WITHOUT_KEY[30:])
    assert [r.status for r in gateway.responses()] == [200]


def test_a_valid_handshake_still_upgrades() -> None:
    seen: list[Any] = []

    async def app(scope: Any, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])
        await receive()
        await send({"type": "websocket.accept"})

    app.__albany_plain_upgrades__ = True  # type: ignore[attr-defined]
    gateway = Gateway(app)
    gateway.feed(
        b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    assert gateway.transport.take().startswith(b"HTTP/1.1 101 ")
    assert seen == ["websocket"]

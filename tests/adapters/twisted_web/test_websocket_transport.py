"""The stand-in ``WebSocketTransport`` and the websocket dispatch, with a fake ``send``.

No sockets and no reactor: ``send`` records messages and returns ``READY`` or a Deferred
the test fires (a client slow to drain); ``receive`` hands out a fixed list.
"""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest
from twisted.web.resource import Resource

pytest.importorskip("twisted.web.websocket", reason="Twisted without twisted.web.websocket")

from twisted.internet.defer import Deferred  # noqa: E402
from twisted.internet.error import ConnectionDone, ConnectionLost  # noqa: E402

from albany.gateway.cycle import READY  # noqa: E402
from albany.types import Message  # noqa: E402
from albany_twisted_web import resource_app  # noqa: E402
from albany_twisted_web.websocket_transport import MessageTransport, drive  # noqa: E402
from tests.adapters.twisted_web import ws_site  # noqa: E402


class FakeSend:
    """Records messages; ``slow`` makes the next send wait until ``drain()``."""

    def __init__(self) -> None:
        self.sent: list[Message] = []
        self.slow = False
        self.waiting: list[Deferred[None]] = []

    def __call__(self, message: Message) -> Any:
        self.sent.append(message)
        if not self.slow:
            return READY
        self.slow = False
        waiting: Deferred[None] = Deferred()
        self.waiting.append(waiting)
        return waiting

    def drain(self) -> None:
        waiting, self.waiting = self.waiting, []
        for deferred in waiting:
            deferred.callback(None)

    def kinds(self) -> list[Any]:
        return [m.get("text", m.get("bytes", m["type"])) for m in self.sent]


class Producer:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def pauseProducing(self) -> None:
        self.calls.append("pause")

    def resumeProducing(self) -> None:
        self.calls.append("resume")

    def stopProducing(self) -> None:
        self.calls.append("stop")


ACCEPT: Message = {"type": "websocket.accept", "subprotocol": None, "headers": []}


def test_sends_wait_behind_the_accept_and_keep_their_order() -> None:
    send = FakeSend()
    transport = MessageTransport(send, pings=True)
    transport.sendTextMessage("early")  # during negotiationStarted: before the 101
    assert send.sent == []
    transport.open(ACCEPT)
    assert send.kinds() == ["websocket.accept", "early"]


def test_a_slow_client_pauses_the_producer_until_drained() -> None:
    send = FakeSend()
    transport = MessageTransport(send, pings=True)
    transport.open(ACCEPT)
    producer = Producer()
    transport.attachProducer(producer)
    send.slow = True
    transport.sendBytesMessage(b"one")
    assert producer.calls == ["pause"]
    transport.sendBytesMessage(b"two")  # queued while the first waits
    transport.sendTextMessage("three")
    assert send.kinds()[-1] == b"one"
    send.drain()
    assert send.kinds()[1:] == [b"one", b"two", "three"]
    assert producer.calls == ["pause", "resume"]
    transport.lost()
    assert producer.calls == ["pause", "resume", "stop"]


def test_producer_attached_while_draining_starts_paused() -> None:
    send = FakeSend()
    transport = MessageTransport(send, pings=True)
    transport.open(ACCEPT)
    send.slow = True
    transport.sendTextMessage("big")
    producer = Producer()
    transport.attachProducer(producer)
    assert producer.calls == ["pause"]
    transport.detachProducer()
    send.drain()
    assert producer.calls == ["pause"]


def test_ping_needs_the_extension_and_a_short_payload() -> None:
    send = FakeSend()
    transport = MessageTransport(send, pings=False)
    transport.open(ACCEPT)
    with pytest.raises(RuntimeError, match="albany.websocket.ping"):
        transport.ping(b"x")
    transport = MessageTransport(send, pings=True)
    transport.open(ACCEPT)
    with pytest.raises(ValueError, match="125"):
        transport.ping(b"x" * 126)
    transport.ping(b"y" * 125)
    assert send.sent[-1] == {"type": "albany.websocket.ping", "bytes": b"y" * 125}


def test_sends_after_lose_connection_are_dropped() -> None:
    send = FakeSend()
    transport = MessageTransport(send, pings=True)
    transport.open(ACCEPT)
    transport.loseConnection(4000, "bye")
    transport.loseConnection(4001, "again")
    transport.sendTextMessage("late")
    assert send.sent[1:] == [{"type": "websocket.close", "code": 4000, "reason": "bye"}]


class Recorder:
    """A protocol that records its callbacks; ``boom`` raises."""

    def __init__(self) -> None:
        self.calls: list[Any] = []

    def textMessageReceived(self, message: str) -> None:
        if message == "boom":
            raise ZeroDivisionError
        self.calls.append(("text", message))

    def bytesMessageReceived(self, data: bytes) -> None:
        self.calls.append(("bytes", data))

    def pongReceived(self, payload: bytes) -> None:
        self.calls.append(("pong", payload))

    def connectionLost(self, reason: Any) -> None:
        self.calls.append(("lost", reason))


def receiving(*messages: Message) -> Any:
    pending = list(messages)

    async def receive() -> Message:
        return pending.pop(0)

    return receive


def drive_now(protocol: Any, transport: MessageTransport, *messages: Message) -> None:
    done = Deferred.fromCoroutine(drive(protocol, transport, receiving(*messages)))
    assert done.called


def test_drive_delivers_messages_then_connection_lost() -> None:
    protocol = Recorder()
    transport = MessageTransport(FakeSend(), pings=True)
    drive_now(
        protocol,
        transport,
        {"type": "websocket.receive", "text": ""},
        {"type": "websocket.receive", "bytes": b""},
        {"type": "albany.websocket.ping", "bytes": b"peer"},  # answered by the server
        {"type": "albany.websocket.pong", "bytes": b"mine"},
        {"type": "websocket.disconnect", "code": 4000, "reason": "done"},
    )
    assert protocol.calls[:3] == [("text", ""), ("bytes", b""), ("pong", b"mine")]
    reason = protocol.calls[3][1]
    assert reason.check(ConnectionDone)
    assert (reason.value.code, reason.value.reason) == (4000, "done")
    assert transport.gone


def test_lost_connection_is_connection_lost() -> None:
    protocol = Recorder()
    drive_now(
        protocol,
        MessageTransport(FakeSend(), pings=True),
        {"type": "websocket.disconnect", "code": 1006, "reason": ""},
    )
    assert protocol.calls[0][1].check(ConnectionLost)


def test_a_failing_callback_closes_with_1011_and_stops_delivery() -> None:
    protocol = Recorder()
    send = FakeSend()
    transport = MessageTransport(send, pings=True)
    transport.open(ACCEPT)
    drive_now(
        protocol,
        transport,
        {"type": "websocket.receive", "text": "boom"},
        {"type": "websocket.receive", "text": "after"},
        {"type": "websocket.disconnect", "code": 1011, "reason": ""},
    )
    assert send.sent[-1] == {"type": "websocket.close", "code": 1011, "reason": ""}
    assert [call[0] for call in protocol.calls] == ["lost"]


def scope(path: bytes, extensions: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "scheme": "ws",
        "path": path.decode(),
        "raw_path": path,
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"example"), (b"sec-websocket-protocol", b"chat")],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 80),
        "subprotocols": ["chat"],
        "state": {},
        "extensions": extensions,
    }


def serve(
    path: bytes, extensions: dict[str, Any], *messages: Message, root: Any = None
) -> list[Message]:
    send = FakeSend()
    app = resource_app(root or ws_site.build_root())
    call = app(scope(path, extensions), receiving({"type": "websocket.connect"}, *messages), send)
    done = Deferred.fromCoroutine(call)  # type: ignore[arg-type]
    assert done.called
    return send.sent


def test_without_the_response_extension_a_denial_is_a_close() -> None:
    assert serve(b"/missing", {}) == [{"type": "websocket.close"}]
    assert serve(b"/reject", {}) == [{"type": "websocket.close"}]


def test_with_the_response_extension_a_denial_is_the_rendered_response() -> None:
    sent = serve(b"/missing", {"websocket.http.response": {}})
    assert [m["type"] for m in sent] == [
        "websocket.http.response.start",
        "websocket.http.response.body",
    ]
    assert sent[0]["status"] == 404


def test_without_the_ping_extension_the_accept_asks_for_no_control_frames() -> None:
    disconnect = {"type": "websocket.disconnect", "code": 1000, "reason": ""}
    accept = serve(b"/echo", {}, disconnect)[0]
    assert accept["type"] == "websocket.accept"
    assert accept["subprotocol"] == "chat"
    assert "albany.websocket.ping" not in accept
    accept = serve(b"/echo", {"albany.websocket.ping": {}}, disconnect)[0]
    assert accept["albany.websocket.ping"] is True


class AutobahnResource:
    """Stands for ``autobahn.twisted.resource.WebSocketResource`` (a leaf holding ``_factory``)."""

    isLeaf = True

    def __init__(self, factory: Any) -> None:
        self._factory = factory


def test_an_autobahn_resource_is_served_by_albany_autobahn(monkeypatch: Any) -> None:
    calls: list[Any] = []

    async def serve_factory(
        factory: Any, scope: Any, receive: Any, send: Any, request: Any
    ) -> None:
        calls.append((factory, scope["path"], await receive(), request.prepath))

    # the dispatch looks autobahn up among loaded modules only (importing it picks txaio's loop)
    autobahn = types.SimpleNamespace(WebSocketResource=AutobahnResource)
    monkeypatch.setitem(sys.modules, "autobahn.twisted.resource", autobahn)
    monkeypatch.setitem(
        sys.modules, "albany_autobahn", types.SimpleNamespace(serve_factory=serve_factory)
    )
    root = Resource()
    nested = Resource()
    nested.putChild(b"wamp", AutobahnResource("the factory"))  # type: ignore[arg-type]
    root.putChild(b"nested", nested)
    assert serve(b"/nested/wamp", {}, root=root) == []
    # the session is the adapter's own: websocket.connect is still there to receive
    assert calls == [
        ("the factory", "/nested/wamp", {"type": "websocket.connect"}, [b"nested", b"wamp"])
    ]


class BrokenTraversal(Resource):
    def getChild(self, path: bytes, request: Any) -> Any:
        raise ZeroDivisionError("getChild failed")


def test_a_failing_traversal_is_a_500_denial() -> None:
    root = Resource()
    root.putChild(b"broken", BrokenTraversal())
    sent = serve(b"/broken/ws", {"websocket.http.response": {}}, root=root)
    assert sent[0]["type"] == "websocket.http.response.start"
    assert sent[0]["status"] == 500

"""autobahn's own client, both flavours in one server, lifespan, and servers without Albany."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Callable

import pytest

from albany.testing import LiveServer
from tests.adapters.autobahn.conftest import MODULES, wait_for_event, ws_url
from tests.conftest import ROOT_DIR

pytest.importorskip("websockets")
from websockets.asyncio.client import connect  # noqa: E402

_AUTOBAHN_CLIENT = """
import asyncio, sys
from autobahn.asyncio.websocket import WebSocketClientFactory, WebSocketClientProtocol

got = []

class Client(WebSocketClientProtocol):
    def onConnect(self, response):
        got.append(response.protocol)

    def onOpen(self):
        self.sendMessage("hello autobahn".encode(), isBinary=False)
        self.sendMessage(b"\\x01\\x02", isBinary=True)

    def onMessage(self, payload, isBinary):
        got.append((payload, isBinary))
        if len(got) == 3:
            self.sendClose(1000, "bye")

    def onClose(self, wasClean, code, reason):
        print(got, wasClean, code)
        asyncio.get_event_loop().stop()

async def main():
    loop = asyncio.get_running_loop()
    factory = WebSocketClientFactory(sys.argv[1], protocols=["chat"])
    factory.protocol = Client
    await loop.create_connection(factory, "127.0.0.1", int(sys.argv[2]))

loop = asyncio.new_event_loop()
loop.run_until_complete(main())
loop.call_later(10, loop.stop)
loop.run_forever()
"""


def test_autobahn_client(factories: LiveServer) -> None:
    """autobahn talking to autobahn, with Albany's engine in between."""
    path = "/echo/autobahn-" + uuid.uuid4().hex[:8]
    # In its own process: autobahn.asyncio switches txaio to asyncio for the whole process.
    result = subprocess.run(
        [sys.executable, "-c", _AUTOBAHN_CLIENT, ws_url(factories, path), str(factories.port)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    expected = "['chat', (b'hello autobahn', False), (b'\\x01\\x02', True)] True 1000"
    assert result.stdout.strip() == expected, result.stdout + result.stderr

    async def closed() -> None:
        event = await wait_for_event(factories, lambda e: e[:2] == ["close", path])
        assert event[2:] == [True, 1000, "bye"]

    asyncio.run(closed())


@pytest.mark.loops("asyncio", "uvloop", "tornado", "twisted-asyncio")
def test_twisted_factory_beside_an_asyncio_app(server_pool: object, loop: str) -> None:
    """A Twisted factory and an asyncio app in one Mount: Deferreds and asyncio futures on one
    loop (Twisted's asyncio reactor). Not on ``twisted``: the factory module imports
    ``twisted.internet.reactor``, installing the default reactor, which an asyncio app cannot use.
    """
    server: LiveServer = server_pool.get(MODULES["twisted"] + ":mixed", loop)  # type: ignore[attr-defined]

    async def talk() -> None:
        async with connect(ws_url(server, "/echo/mixed")) as ws:
            await ws.send("info")
            info = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert (info["flavour"], info["is_closed"]) == ("twisted", "Deferred")
            async with connect(ws_url(server, "/plain")) as plain:
                await plain.send("hi")
                assert await asyncio.wait_for(plain.recv(), 10) == "asyncio: hi"
            await ws.send("still")
            assert await asyncio.wait_for(ws.recv(), 10) == "still"

    asyncio.run(talk())


def test_serve_factory_with_a_twisted_web_request(server_pool: object, loop: str) -> None:
    """The protocol's transport addresses come from the twisted.web request when given."""
    server: LiveServer = server_pool.get(MODULES["twisted"] + ":app", loop)  # type: ignore[attr-defined]

    async def talk() -> None:
        async with connect(ws_url(server, "/resource/x")) as ws:
            await ws.send("info")
            info = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert info["transport_peer"] == "IPv4Address(type='TCP', host='192.0.2.7', port=4242)"
        assert info["peer"].startswith("tcp4:127.0.0.1:")  # autobahn's peer: the scope's

    asyncio.run(talk())


def test_lifespan_starts_and_stops_twisted_factories(
    start_server: Callable[..., LiveServer], tmp_path: Path
) -> None:
    log = tmp_path / "factory-events.log"
    server = start_server(MODULES["twisted"] + ":app", env={"AUTOBAHN_FACTORY_EVENTS": str(log)})
    started = log.read_text().split()
    assert len(started) > 1 and set(started) == {"started"}  # every factory of the Mount
    assert server.stop() == 0
    assert log.read_text().split() == started + ["stopped"] * len(started)


_WITHOUT_ALBANY = """
import asyncio, json, logging
from autobahn.asyncio.websocket import WebSocketServerFactory, WebSocketServerProtocol
from autobahn.websocket.types import ConnectionDeny
from albany_autobahn import factory_app

warnings = []

class Collect(logging.Handler):
    def emit(self, record):
        warnings.append(record.getMessage())

logging.getLogger("albany.error").addHandler(Collect())

class Proto(WebSocketServerProtocol):
    def onConnect(self, request):
        if request.path == "/deny":
            raise ConnectionDeny(403, "no")

    def onMessage(self, payload, isBinary):
        try:
            self.sendPing(b"x")
        except NotImplementedError as error:
            self.sendMessage(("sendPing: " + str(error)).encode())
        self.sendMessage(payload, isBinary)

factory = WebSocketServerFactory()
factory.protocol = Proto
factory.setProtocolOptions(autoPingInterval=0.01)
app = factory_app(factory)

async def session(path, messages, replies):
    sent = []
    answered = asyncio.Event()
    incoming = [{"type": "websocket.connect"}] + messages

    async def receive():
        if incoming:
            return incoming.pop(0)
        await answered.wait()
        return {"type": "websocket.disconnect", "code": 1000}

    async def send(message):
        sent.append(message)
        if len([m for m in sent if m["type"] == "websocket.send"]) == replies:
            answered.set()

    scope = {"type": "websocket", "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": [(b"host", b"example.org")], "subprotocols": [], "scheme": "ws",
             "client": ("10.0.0.1", 1234), "server": ("10.0.0.2", 80), "extensions": {}}
    await asyncio.wait_for(app(scope, receive, send), 5)
    await asyncio.sleep(0.05)  # auto-ping would have fired by now
    return sent

async def main():
    echo = await session("/", [{"type": "websocket.receive", "text": "hi"}], 2)
    denied = await session("/deny", [], 0)
    print(json.dumps({"echo": echo, "denied": denied, "warnings": warnings}))

asyncio.run(main())
"""


def test_on_an_asgi_server_without_albany() -> None:
    """No ``albany`` helpers, no ping extension, no denial responses: what still works."""
    pytest.importorskip("autobahn")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT_DIR, os.environ.get("PYTHONPATH", "")]))
    result = subprocess.run(
        [sys.executable, "-c", _WITHOUT_ALBANY], capture_output=True, text=True, timeout=30, env=env
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    accept, *replies = report["echo"]
    assert accept == {"type": "websocket.accept", "subprotocol": None, "headers": []}
    assert replies[0]["text"].startswith("sendPing: Pings and pongs from the app need the albany")
    assert replies[1:] == [{"type": "websocket.send", "text": "hi"}]  # and no ping
    assert report["denied"] == [{"type": "websocket.close", "code": 1008, "reason": ""}]
    assert any(w.startswith("autoPingInterval is ignored") for w in report["warnings"])


def test_importing_the_adapter_chooses_no_framework() -> None:
    """``import albany_autobahn`` imports neither autobahn flavour nor Twisted: txaio stays
    unswitched, so the app's own import decides."""
    code = (
        "import sys, txaio, albany_autobahn\n"
        "assert not (txaio.using_twisted or txaio.using_asyncio)\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('twisted', 'autobahn.twisted',"
        " 'autobahn.asyncio')))\n"
        "assert not loaded, loaded\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT_DIR, os.environ.get("PYTHONPATH", "")]))
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr

"""Servers started and stopped inside a loop someone else runs; the host loop goes on."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap

import httpx
import pytest

from albany.config import Config
from tests.apps.contract import app as neutral_app
from tests.conftest import ROOT_DIR


def run_script(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT_DIR,
        env=dict(os.environ, PYTHONPATH=ROOT_DIR),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_asyncio_server_inside_running_loop() -> None:
    from albany.backends.asyncio import AsyncioServer

    async def main() -> str:
        server = AsyncioServer(neutral_app, Config(port=0, access_log=False))
        await server.start()
        port = server.sockets[0].getsockname()[1]
        async with httpx.AsyncClient() as client:
            response = await client.get(f"http://127.0.0.1:{port}/scope")
        await server.stop()
        await asyncio.sleep(0.01)  # the host loop still runs
        assert response.json()["backend"] == "asyncio"
        return response.json()["helpers"]

    assert asyncio.run(main()) == "asyncio"


def test_tornado_server_inside_running_ioloop() -> None:
    pytest.importorskip("tornado")
    from albany.backends.tornado import TornadoServer

    async def main() -> str:
        server = TornadoServer(neutral_app, Config(port=0, access_log=False))
        await server.start()
        port = server.sockets[0].getsockname()[1]
        async with httpx.AsyncClient() as client:
            response = await client.get(f"http://127.0.0.1:{port}/scope")
        await server.stop()
        await asyncio.sleep(0.01)
        return str(response.json()["backend"])

    assert asyncio.run(main()) == "tornado"


def test_twisted_server_inside_running_reactor() -> None:
    pytest.importorskip("twisted")
    output = run_script(
        """
        from twisted.internet import reactor, threads, task
        import urllib.request, json
        from albany.backends.twisted import TwistedServer
        from albany.config import Config
        from tests.apps.contract import app

        async def main():
            server = TwistedServer(app, Config(port=0, access_log=False), reactor=reactor)
            await server.start()
            port = server.sockets[0].getsockname()[1]
            body = await threads.deferToThread(
                lambda: urllib.request.urlopen(f"http://127.0.0.1:{port}/scope").read())
            await server.stop()
            await task.deferLater(reactor, 0.01, lambda: None)  # the reactor still runs
            print(json.loads(body)["backend"], json.loads(body)["helpers"], type(reactor).__name__)

        def run():
            from twisted.internet.defer import Deferred
            Deferred.fromCoroutine(main()).addBoth(lambda r: (reactor.stop(), r)[1])
        reactor.callWhenRunning(run)
        reactor.run()
        """
    )
    assert output.split() == ["twisted", "twisted", "EPollReactor"]


def test_twisted_server_serves_a_blocking_socket_it_is_given() -> None:
    pytest.importorskip("twisted")
    output = run_script(
        """
        import socket, urllib.request
        from twisted.internet import reactor, threads
        from albany.backends.twisted import TwistedServer
        from albany.config import Config
        from tests.apps.contract import app

        sock = socket.socket()  # blocking, as a caller may well make it
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)

        async def main():
            server = TwistedServer(app, Config(access_log=False), sock, reactor=reactor)
            await server.start()
            url = f"http://127.0.0.1:{sock.getsockname()[1]}/scope"
            for _ in range(2):  # accepting must not block the reactor on the next accept
                await threads.deferToThread(lambda: urllib.request.urlopen(url, timeout=10).read())
            await server.stop()
            print("served")

        def run():
            from twisted.internet.defer import Deferred
            Deferred.fromCoroutine(main()).addBoth(lambda r: (reactor.stop(), r)[1])
        reactor.callWhenRunning(run)
        reactor.run()
        """
    )
    assert output.split() == ["served"]


def test_twisted_app_in_asyncio_server_hosts_the_reactor_without_stopping_the_loop() -> None:
    pytest.importorskip("twisted")
    output = run_script(
        """
        import asyncio, httpx
        from albany.backends.asyncio import AsyncioServer
        from albany.config import Config
        from tests.apps.contract import twisted_app

        async def main():
            server = AsyncioServer(twisted_app, Config(port=0, access_log=False))
            await server.start()
            port = server.sockets[0].getsockname()[1]
            async with httpx.AsyncClient() as client:
                native = (await client.get(f"http://127.0.0.1:{port}/native")).text
            await server.stop()
            await asyncio.sleep(0.01)
            print(native)

        asyncio.run(main())
        """
    )
    assert output.strip() == "twisted AsyncioSelectorReactor"


def test_albany_run_serves_until_signal() -> None:
    pytest.importorskip("twisted")
    import signal
    import threading
    import time

    code = textwrap.dedent(
        """
        import albany, sys
        from tests.apps.contract import app
        sys.exit(albany.run(app, loop="twisted", port=0, access_log=False))
        """
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT_DIR,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=ROOT_DIR),
    )
    assert process.stderr is not None
    watchdog = threading.Timer(30, process.kill)
    watchdog.start()
    line = process.stderr.readline()
    assert "serving on http://127.0.0.1:" in line, line
    port = int(line.rsplit(":", 1)[1].split()[0])
    assert httpx.get(f"http://127.0.0.1:{port}/").text == "Hello, world!"
    threading.Thread(target=lambda: (time.sleep(0.1), process.send_signal(signal.SIGTERM))).start()
    assert process.wait(15) == 0
    watchdog.cancel()
    process.stderr.close()

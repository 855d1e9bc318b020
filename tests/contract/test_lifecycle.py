"""Lifespan, graceful shutdown on signals, flavours and listening options, on every loop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

import httpx
import pytest

from albany.testing import LiveServer, loop_arguments


def test_lifespan_state_reaches_every_scope(server: LiveServer) -> None:
    scope = httpx.get(server.url + "/scope").json()
    assert scope["state"] == {"started": True}


def test_lifespan_off(start_server: Any) -> None:
    server: LiveServer = start_server("tests.apps.contract:app", "--lifespan", "off")
    assert httpx.get(server.url + "/scope").json()["state"] == {}


def test_lifespan_startup_failure_stops_startup(loop: str) -> None:
    server = LiveServer(
        "tests.apps.contract:app", loop, app_dir=os.getcwd(), env={"CONTRACT_STARTUP_FAIL": "1"}
    )
    with pytest.raises(RuntimeError) as failure:
        server.start(timeout=15)
    assert server.process.returncode not in (0, None)
    assert "Application startup failed: database unreachable" in str(failure.value)
    assert "Traceback" not in str(failure.value)


def test_lifespan_startup_timeout_stops_startup(loop: str) -> None:
    server = LiveServer(
        "tests.apps.contract:app",
        loop,
        ["--timeout-lifespan-startup", "0.5"],
        app_dir=os.getcwd(),
        env={"CONTRACT_STARTUP_HANG": "1"},
    )
    with pytest.raises(RuntimeError) as failure:
        server.start(timeout=15)  # far less than the hour the app would wait
    assert server.process.returncode not in (0, None)
    expected = "Application startup failed: Lifespan startup did not complete within 0.5 s"
    assert expected in str(failure.value)
    assert "Traceback" not in str(failure.value)


def test_lifespan_shutdown_failure_exits_with_status_1(start_server: Any) -> None:
    server: LiveServer = start_server(
        "tests.apps.contract:app", env={"CONTRACT_SHUTDOWN_FAIL": "1"}
    )
    server.signal(signal.SIGTERM)
    assert server.wait(10) == 1
    assert "Application shutdown failed: could not flush" in server.output()
    assert "Traceback" not in server.output()


def test_lifespan_shutdown_is_bounded_by_its_timeout(start_server: Any) -> None:
    server: LiveServer = start_server(
        "tests.apps.contract:app",
        "--timeout-lifespan-shutdown",
        "0.5",
        env={"CONTRACT_SHUTDOWN_HANG": "1"},
    )
    server.signal(signal.SIGTERM)
    assert server.wait(10) == 1  # far less than the hour the app would wait
    expected = "Application shutdown failed: Lifespan shutdown did not complete within 0.5 s"
    assert expected in server.output()
    assert "Traceback" not in server.output()


def test_sigterm_finishes_in_flight_request_then_exits(start_server: Any) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        marker = os.path.join(tmp, "shutdown")
        server: LiveServer = start_server(
            "tests.apps.contract:app", env={"CONTRACT_SHUTDOWN_FILE": marker}
        )
        result: dict[str, Any] = {}

        def slow_request() -> None:
            try:
                result["response"] = httpx.get(server.url + "/sleep?s=1", timeout=10)
            except Exception as exc:  # noqa: BLE001
                result["error"] = exc

        idle = socket.create_connection((server.host, server.port))  # an idle keep-alive client
        worker = threading.Thread(target=slow_request)
        worker.start()
        time.sleep(0.4)
        server.signal(signal.SIGTERM)
        worker.join(10)
        assert "error" not in result, result
        assert result["response"].status_code == 200
        assert result["response"].text == "slept"
        assert server.wait(10) == 0
        idle.settimeout(5)
        assert idle.recv(1) == b""  # the idle connection was closed, not left hanging
        idle.close()
        with open(marker) as f:
            assert f.read() == "shutdown complete"
        with pytest.raises(httpx.ConnectError):
            httpx.get(server.url + "/")


def test_sigint_exits_cleanly_when_idle(start_server: Any) -> None:
    server: LiveServer = start_server()
    assert httpx.get(server.url + "/").status_code == 200
    server.signal(signal.SIGINT)
    assert server.wait(10) == 0
    assert "Traceback" not in server.output()


def test_graceful_shutdown_is_bounded_by_its_timeout(start_server: Any) -> None:
    server: LiveServer = start_server(
        "tests.apps.contract:app", "--timeout-graceful-shutdown", "0.5"
    )
    client = socket.create_connection((server.host, server.port))
    client.sendall(b"GET /sleep?s=30 HTTP/1.1\r\nHost: a\r\n\r\n")
    time.sleep(0.3)
    started = time.monotonic()
    server.signal(signal.SIGTERM)
    assert server.wait(10) == 1  # a request was cut short: not a clean exit
    assert time.monotonic() - started < 5
    client.close()
    output = server.output()
    assert "Waiting for up to 0.5 s for 1 connection to finish" in output
    assert "Graceful shutdown timed out: cancelled GET /sleep" in output
    for noise in ("Traceback", "GeneratorExit", "Exception in ASGI application", "destroyed"):
        assert noise not in output, output


def wait_for_output(server: LiveServer, text: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while text not in server.output():
        assert time.monotonic() < deadline, f"{text!r} never appeared:\n{server.output()}"
        time.sleep(0.02)


def test_a_second_signal_stops_at_once(start_server: Any) -> None:
    server: LiveServer = start_server("tests.apps.contract:app")  # 30 s graceful default
    client = socket.create_connection((server.host, server.port))
    client.sendall(b"GET /sleep?s=30 HTTP/1.1\r\nHost: a\r\n\r\n")
    assert httpx.get(server.url + "/").status_code == 200  # the sleeping request is in flight

    server.signal(signal.SIGINT)
    wait_for_output(server, "Waiting for up to 30 s for 1 connection to finish")
    server.signal(signal.SIGINT)

    assert server.wait(10) == 1
    output = server.output()
    assert "Shutting down (Ctrl-C again to stop at once)" in output
    assert "Stopping at once: cancelled GET /sleep" in output
    for noise in ("Traceback", "GeneratorExit", "Exception in ASGI application", "destroyed"):
        assert noise not in output, output
    client.settimeout(5)
    assert client.recv(1) == b""
    client.close()


@pytest.mark.parametrize("flavour", ["neutral", "asyncio", "twisted"])
def test_every_flavour_on_every_loop(server_pool: Any, loop: str, flavour: str) -> None:
    if flavour == "twisted":
        pytest.importorskip("twisted")
    app = {"neutral": "app", "asyncio": "asyncio_app", "twisted": "twisted_app"}[flavour]
    server = server_pool.get(f"tests.apps.contract:{app}", loop)
    scope = httpx.get(server.url + "/scope").json()
    assert scope["flavour"] == flavour
    expected_backend = {"twisted-asyncio": "twisted"}.get(loop, loop)
    assert scope["backend"] == expected_backend
    native_helpers = "twisted" if loop.startswith("twisted") else "asyncio"
    assert scope["helpers"] == {"neutral": native_helpers}.get(flavour, flavour)
    assert httpx.get(server.url + "/sleep?s=0.01").text == "slept"
    assert httpx.get(server.url + "/thread").text == "6"
    assert httpx.get(server.url + "/gather").json() == [2, 4, 6]
    if flavour != "neutral":
        native = httpx.get(server.url + "/native").text
        assert native.startswith(flavour)
        if flavour == "asyncio":
            assert ("uvloop" in native) == (loop == "uvloop")
        if flavour == "twisted" and loop != "twisted":
            assert native == "twisted AsyncioSelectorReactor"


@pytest.mark.loops("twisted")
def test_neutral_app_on_twisted_epoll_runs_without_asyncio(server: LiveServer) -> None:
    scope = httpx.get(server.url + "/scope").json()
    assert scope["backend"] == "twisted"
    assert scope["helpers"] == "twisted"
    assert scope["asyncio_running"] is False
    assert "EPollReactor" in server.output()


def test_root_path(start_server: Any) -> None:
    server: LiveServer = start_server("tests.apps.contract:app", "--root-path", "/mount")
    scope = httpx.get(server.url + "/scope/x%20y").json()
    assert scope["root_path"] == "/mount"
    # as ASGI servers do now: path keeps the prefix a proxy took off (Starlette strips it)
    assert scope["path"] == "/mount/scope/x y"
    assert scope["raw_path"] == "/mount/scope/x%20y"


def test_unix_socket(start_server: Any) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "albany.sock")
        start_server("tests.apps.contract:app", "--uds", path)
        transport = httpx.HTTPTransport(uds=path)
        with httpx.Client(transport=transport) as client:
            response = client.get("http://localhost/scope")
        assert response.status_code == 200
        assert response.json()["client"] is None
        assert response.json()["server"] == [path, None]  # ASGI's form for Unix sockets


def test_inherited_file_descriptor(loop: str) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    try:
        server = LiveServer(
            "tests.apps.contract:app",
            loop,
            ["--fd", str(sock.fileno())],
            app_dir=os.getcwd(),
            pass_fds=(sock.fileno(),),
        )
        with server:
            assert httpx.get(f"http://127.0.0.1:{port}/").text == "Hello, world!"
    finally:
        sock.close()


def test_a_signal_during_lifespan_start_up_stops_once_it_is_over(loop: str) -> None:
    command = [sys.executable, "-m", "albany", "tests.apps.contract:app", *loop_arguments(loop)]
    with subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=dict(os.environ, CONTRACT_STARTUP_SLOW="1", PYTHONUNBUFFERED="1"),
    ) as process:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:  # the app says when its start-up has begun
            lines.append(line)
            if "lifespan start-up begun" in line:
                break
        process.send_signal(signal.SIGINT)
        output = "".join(lines) + process.stdout.read()
        status = process.wait(30)

    assert status == 0, output
    assert "Shutting down" in output
    for wrong in ("serving on", "appears unsupported", "destroyed", "Traceback"):
        assert wrong not in output, output

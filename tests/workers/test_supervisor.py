"""``albany APP --workers N``: the supervisor and its workers, as real processes on loopback.

Each test waits for events (output lines, responses), never for a time; every wait is
bounded (``harness.WAIT``).
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import threading

import pytest

from .harness import Load, Supervised, get

APP = "tests.workers.apps:app"


def test_two_workers_serve_from_both_processes_each_with_its_own_lifespan(loop: str) -> None:
    with Supervised(APP, loop, ["--workers", "2"]) as server:
        workers = set(server.serving_pids())
        assert len(workers) == 2
        with Load(server.port) as load:
            load.wait_until(lambda: set(load.pids) == workers, "both workers answer")
        assert load.failures == []
        for _ in range(4):
            assert get(server.port, "/lifespan") == (200, "1")


@pytest.mark.loops("asyncio", "twisted")
def test_mounted_apps_of_two_kinds_are_served_by_workers(loop: str) -> None:
    mounts = ["--mount", f"/asgi={APP}", "--mount", "/wsgi=tests.workers.apps:wsgi"]
    with Supervised(None, loop, ["--workers", "2", *mounts]) as server:
        workers = set(server.serving_pids())
        status, body = get(server.port, "/wsgi/")
        assert status == 200 and body.startswith("wsgi ")
        assert int(body.split()[1]) in workers
        status, body = get(server.port, "/asgi/")
        assert status == 200 and int(body) in workers


def test_sighup_replaces_every_worker_with_no_request_lost(loop: str) -> None:
    with Supervised(APP, loop, ["--workers", "2"]) as server:
        old = set(server.serving_pids())
        with Load(server.port, clients=8) as load:
            load.wait_until(lambda: load.served() >= 30, "30 responses")
            server.signal(signal.SIGHUP)
            server.wait_for(r"Worker \d+ is serving", count=4)
            for pid in old:
                server.wait_for(rf"Worker {pid} exited")
            new = set(server.serving_pids()) - old
            assert len(new) == 2
            load.wait_until(lambda: sum(load.pids[p] for p in new) >= 30, "the new workers")
        print(f"SIGHUP on {loop}: {load.report()}")
        assert load.failures == [], load.report()
        assert set(load.pids) <= old | new


def test_kill_9_a_worker_under_load_it_is_replaced_and_only_its_requests_fail(
    loop: str,
) -> None:
    clients = 3
    with Supervised(APP, loop, ["--workers", "2"]) as server:
        first = server.serving_pids()
        victim = first[0]
        with Load(server.port, clients=clients) as load:
            load.wait_until(lambda: load.pids[victim] >= 10, "the victim answer")
            os.kill(victim, signal.SIGKILL)
            server.wait_for(rf"Worker {victim} died \(signal 9\)")
            server.wait_for(r"Worker \d+ is serving", count=3)
            [replacement] = set(server.serving_pids()) - set(first)
            load.wait_until(lambda: load.pids[replacement] >= 10, "the replacement answer")
        print(f"kill -9 on {loop}: {load.report()}")
        # at most the request each client had on the killed worker
        assert len(load.failures) <= clients, load.report()


@pytest.mark.loops("asyncio", "twisted", "tornado")
def test_sigterm_drains_an_in_flight_request_and_exits_0(loop: str) -> None:
    with Supervised(APP, loop, ["--workers", "2"]) as server:
        answer: list[tuple[int, str]] = []
        slow = threading.Thread(target=lambda: answer.append(get(server.port, "/slow?s=1")))
        slow.start()
        server.wait_for("slow request started")
        server.signal(signal.SIGTERM)
        assert server.wait() == 0, server.output()
        slow.join()
        assert answer and answer[0][0] == 200 and answer[0][1].startswith("slow ")


@pytest.mark.loops("asyncio", "twisted")
def test_max_requests_recycles_a_worker_gracefully(loop: str) -> None:
    with Supervised(APP, loop, ["--workers", "1", "--max-requests", "5"]) as server:
        [first] = server.serving_pids()
        with Load(server.port, clients=1) as load:
            load.wait_until(lambda: len(load.pids) >= 2, "a second worker")
        server.wait_for(rf"Worker {first} served its 5 requests")
        server.wait_for(rf"Worker {first} exited \(status 0\)")
        assert load.failures == [], load.report()
        assert load.pids[first] >= 5


@pytest.mark.loops("asyncio", "twisted")
def test_a_worker_whose_loop_is_blocked_is_killed_and_replaced(loop: str) -> None:
    args = ["--workers", "1", "--timeout-worker-healthcheck", "1"]
    with Supervised(APP, loop, args) as server:
        [blocked] = server.serving_pids()
        threading.Thread(target=lambda: _ignore_errors(server.port, "/block"), daemon=True).start()
        server.wait_for(f"blocking the loop of {blocked}")
        server.wait_for(rf"Worker {blocked} missed its heartbeat")
        server.wait_for(r"Worker \d+ is serving", count=2)
        status, body = get(server.port)
        assert status == 200 and int(body) != blocked


def test_sigttin_adds_a_worker_and_sigttou_removes_one() -> None:
    with Supervised(APP, "asyncio", ["--workers", "1"]) as server:
        server.signal(signal.SIGTTIN)
        server.wait_for(r"Worker \d+ is serving", count=2)
        first, second = server.serving_pids()
        server.signal(signal.SIGTTOU)
        server.wait_for(rf"Worker {first} exited")
        status, body = get(server.port)
        assert (status, int(body)) == (200, second)


def test_workers_that_cannot_start_make_the_supervisor_exit_1() -> None:
    server = Supervised("tests.workers.apps:missing", "asyncio", ["--workers", "2"])
    server.start(wait=False)
    try:
        assert server.wait() == 1, server.output()
    finally:
        server.stop()
    assert "failed to start" in server.output()


def test_a_unix_socket_is_bound_once_and_removed_at_exit(tmp_path: object) -> None:
    path = os.path.join(str(tmp_path), "albany.sock")
    server = Supervised(APP, "asyncio", ["--workers", "2", "--uds", path])
    server.start()
    try:
        sock = socket.socket(socket.AF_UNIX)
        sock.connect(path)
        connection = http.client.HTTPConnection("localhost")
        connection.sock = sock
        connection.request("GET", "/")
        assert int(connection.getresponse().read()) in server.serving_pids()
        connection.close()
        server.signal(signal.SIGTERM)
        assert server.wait() == 0
        assert not os.path.exists(path)
    finally:
        server.stop()


def test_workers_serve_on_an_inherited_descriptor() -> None:
    pytest.importorskip("twisted")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    fd = listener.fileno()
    try:
        with Supervised(APP, "twisted", ["--workers", "2", "--fd", str(fd)], [fd]) as server:
            status, body = get(port)
            assert status == 200 and int(body) in server.serving_pids()
    finally:
        listener.close()


def _ignore_errors(port: int, path: str) -> None:
    try:
        get(port, path)
    except OSError:
        pass


@pytest.mark.loops("asyncio", "twisted")
def test_workers_serve_tls_from_the_certificate_files(loop: str, tmp_path: object) -> None:
    pytest.importorskip("trustme")
    from ..tls_certs import make_tls_files

    tls = make_tls_files(str(tmp_path))
    with Supervised(APP, loop, ["--workers", "2", *tls.server_args()]) as server:
        connection = http.client.HTTPSConnection(
            "127.0.0.1", server.port, context=tls.client_context(), timeout=30
        )
        connection.request("GET", "/")
        response = connection.getresponse()
        assert response.status == 200
        assert int(response.read()) in server.serving_pids()
        connection.close()


def test_sighup_serves_the_code_as_it_is_now(tmp_path: object) -> None:
    module = os.path.join(str(tmp_path), "versioned_app.py")
    source = (
        "async def app(scope, receive, send):\n"
        "    assert scope['type'] == 'http'\n"
        "    await send({'type': 'http.response.start', 'status': 200, 'headers': []})\n"
        "    await send({'type': 'http.response.body', 'body': b'VERSION'})\n"
    )
    with open(module, "w") as file:
        file.write(source.replace("VERSION", "one"))
    args = ["--workers", "1", "--app-dir", str(tmp_path), "--lifespan", "off"]
    with Supervised("versioned_app:app", "asyncio", args) as server:
        assert get(server.port) == (200, "one")
        with open(module, "w") as file:  # another size: a stale .pyc cannot pass for it
            file.write(source.replace("VERSION", "second"))
        [old] = server.serving_pids()
        server.signal(signal.SIGHUP)
        server.wait_for(rf"Worker {old} exited")
        assert get(server.port) == (200, "second")

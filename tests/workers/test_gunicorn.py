"""gunicorn with each of Albany's worker classes: real gunicorn, real processes, loopback."""

from __future__ import annotations

import importlib.util
import os
import signal
import threading

import pytest

from albany.testing.live import loop_available
from tests.conftest import ROOT_DIR

from .harness import GUNICORN_WORKER_SERVING, Gunicorn, Load, get

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("gunicorn") is None, reason="gunicorn is not installed"
)

WORKERS = {
    "UvloopWorker": "uvloop",
    "AsyncioWorker": "asyncio",
    "TwistedWorker": "twisted",
    "TwistedAsyncioWorker": "twisted",
    "TornadoWorker": "tornado",
}
KINDS = {
    "asgi": ("tests.workers.apps:app", ""),
    "wsgi": ("tests.workers.apps:wsgi", "wsgi "),
    "twisted.web": ("tests.workers.framework_apps:resource", "twisted "),
}


def needs(worker_class: str, *packages: str) -> None:
    if not loop_available(WORKERS[worker_class]):
        pytest.skip(f"{WORKERS[worker_class]} is not installed")
    for package in packages:
        if importlib.util.find_spec(package) is None:
            pytest.skip(f"{package} is not installed")


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("worker_class", sorted(WORKERS))
def test_each_worker_class_serves_each_app_kind(worker_class: str, kind: str) -> None:
    needs(worker_class, *(["twisted"] if kind == "twisted.web" else []))
    app, prefix = KINDS[kind]
    with Gunicorn(app, worker_class, 1, ["--keep-alive", "3"]) as server:
        [pid] = server.serving_pids()
        status, body = get(server.port)
        assert (status, body) == (200, f"{prefix}{pid}")


@pytest.mark.parametrize("worker_class", sorted(WORKERS))
def test_sighup_replaces_the_workers_with_no_request_lost(worker_class: str) -> None:
    needs(worker_class)
    with Gunicorn("tests.workers.apps:app", worker_class, 2) as server:
        old = set(server.serving_pids())
        with Load(server.port, clients=4) as load:
            load.wait_until(lambda: load.served() >= 30, "30 responses")
            server.signal(signal.SIGHUP)
            server.wait_for(r"Albany serving on", count=4)
            for pid in old:
                server.wait_for(rf"Worker exiting \(pid: {pid}\)")
            new = set(server.serving_pids()) - old
            load.wait_until(lambda: sum(load.pids[p] for p in new) >= 30, "the new workers")
        print(f"gunicorn SIGHUP with {worker_class}: {load.report()}")
        assert load.failures == [], load.report()


@pytest.mark.parametrize("worker_class", sorted(WORKERS))
def test_sigterm_drains_an_in_flight_request_and_exits_0(worker_class: str) -> None:
    needs(worker_class)
    with Gunicorn("tests.workers.apps:app", worker_class, 1) as server:
        answer: list[tuple[int, str]] = []
        slow = threading.Thread(target=lambda: answer.append(get(server.port, "/slow?s=1")))
        slow.start()
        server.wait_for("slow request started")
        server.signal(signal.SIGTERM)
        assert server.wait() == 0, server.output()
        slow.join()
        assert answer and answer[0][0] == 200 and answer[0][1].startswith("slow ")


def test_max_requests_recycles_a_gunicorn_worker() -> None:
    needs("AsyncioWorker")
    with Gunicorn("tests.workers.apps:app", "AsyncioWorker", 1, ["--max-requests", "5"]) as server:
        [first] = server.serving_pids()
        with Load(server.port, clients=1) as load:
            load.wait_until(lambda: len(load.pids) >= 2, "a second worker")
        server.wait_for("Autorestarting worker after current request")
        assert load.failures == [], load.report()
        assert load.pids[first] >= 5


@pytest.mark.parametrize("worker_class", ["AsyncioWorker", "TwistedWorker"])
def test_gunicorn_kills_a_worker_whose_loop_is_blocked(worker_class: str) -> None:
    needs(worker_class)
    with Gunicorn("tests.workers.apps:app", worker_class, 1, ["--timeout", "2"]) as server:
        [blocked] = server.serving_pids()
        thread = threading.Thread(target=_ignore_errors, args=(server.port, "/block"), daemon=True)
        thread.start()
        server.wait_for(f"blocking the loop of {blocked}")
        server.wait_for(rf"WORKER TIMEOUT \(pid:{blocked}\)")
        server.wait_for(GUNICORN_WORKER_SERVING, count=2)
        status, body = get(server.port)
        assert status == 200 and int(body) != blocked


def _ignore_errors(port: int, path: str) -> None:
    try:
        get(port, path)
    except OSError:
        pass


def test_a_setting_albany_cannot_apply_stops_gunicorn_with_a_clear_error() -> None:
    needs("AsyncioWorker")
    args = ["--limit-request-field_size", "100"]
    server = Gunicorn("tests.workers.apps:app", "AsyncioWorker", 1, args)
    server.start(wait=False)
    try:
        assert server.wait() != 0
    finally:
        server.stop()
    assert "limit_request_field_size below its default cannot apply" in server.output()


def test_worker_connections_is_each_workers_connection_limit() -> None:
    import http.client

    needs("AsyncioWorker")
    with Gunicorn(
        "tests.workers.apps:app", "AsyncioWorker", 1, ["--worker-connections", "1"]
    ) as server:
        held = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            held.request("GET", "/")
            assert held.getresponse().read()  # one connection, kept alive
            status, _ = get(server.port)  # a second one is over the limit
        finally:
            held.close()
    assert status == 503


def test_access_log_format_uses_gunicorns_atoms() -> None:
    needs("AsyncioWorker")
    args = ["--access-logfile", "-", "--access-logformat", "atoms %(m)s %(U)s %(s)s"]
    with Gunicorn("tests.workers.apps:app", "AsyncioWorker", 1, args) as server:
        assert get(server.port, "/formatted")[0] == 200
        server.wait_for(r"atoms GET /formatted 200")


def test_gunicorn_tls_settings_serve_tls(tmp_path: object) -> None:
    import http.client

    from ..tls_certs import make_tls_files

    needs("AsyncioWorker")
    tls = make_tls_files(str(tmp_path))
    args = ["--certfile", tls.certfile, "--keyfile", tls.keyfile]
    with Gunicorn("tests.workers.apps:app", "AsyncioWorker", 1, args) as server:
        [pid] = server.serving_pids()
        connection = http.client.HTTPSConnection(
            "127.0.0.1", server.port, context=tls.client_context(), timeout=30
        )
        connection.request("GET", "/")
        response = connection.getresponse()
        assert (response.status, response.read()) == (200, str(pid).encode())
        connection.close()


def test_the_deploy_guides_gunicorn_config_serves() -> None:
    needs("UvloopWorker")
    recipe = os.path.join(ROOT_DIR, "docs", "deploy", "gunicorn.conf.py")
    with Gunicorn("tests.workers.apps:app", "UvloopWorker", 2, ["-c", recipe]) as server:
        assert len(server.serving_pids()) == 2
        status, _ = get(server.port)
        assert status == 200

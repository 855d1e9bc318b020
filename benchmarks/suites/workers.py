"""The workers suite: Albany's own supervisor with 2 workers against uvicorn's and gunicorn's.

Every server runs 2 worker processes on the machine's 2 cores (``albany-workers-1`` one, for
the scaling factor), and wrk runs on the same cores: the servers and the load generator
share the machine, as they would not in production, so the figures compare the servers
within one run. The supervisor is in no request's path (the workers accept from the shared
socket themselves), so 2 workers over 1 is the whole of its effect.
"""

from __future__ import annotations

from benchmarks.suites import ASGI_APP, Server, Target, albany, python_module

SERVER_CPU = "0,1"
WRK_CPU = "0,1"

SERVERS: tuple[Server, ...] = (
    Server(
        "albany-workers-2",
        "Albany --workers 2, uvloop",
        albany(f"{ASGI_APP} --loop uvloop --workers 2"),
    ),
    Server(
        "albany-workers-1",
        "Albany --workers 1, uvloop (the supervisor and one worker)",
        albany(f"{ASGI_APP} --loop uvloop --workers 1"),
    ),
    Server(
        "uvicorn-workers-2",
        "uvicorn --workers 2, uvloop + httptools",
        python_module(
            f"uvicorn {ASGI_APP} --workers 2 --loop uvloop --http httptools --no-access-log"
            " --host {host} --port {port} --log-level warning"
        ),
    ),
    Server(
        "gunicorn-uvicorn-worker-2",
        "gunicorn -k uvicorn_worker.UvicornWorker -w 2",
        python_module(
            f"gunicorn {ASGI_APP} -k uvicorn_worker.UvicornWorker -w 2 --bind {{host}}:{{port}}"
            " --log-level warning"
        ),
    ),
)

BASELINE = "uvicorn-workers-2"

TARGETS: tuple[Target, ...] = (
    Target("Albany 2 workers / uvicorn 2 workers", "albany-workers-2", "uvicorn-workers-2", 1.25),
    Target("Albany 2 workers / 1 worker (scaling)", "albany-workers-2", "albany-workers-1", 1.5),
    Target(
        "Albany 2 workers / gunicorn + UvicornWorker",
        "albany-workers-2",
        "gunicorn-uvicorn-worker-2",
        1.25,
    ),
)

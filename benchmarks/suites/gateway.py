"""The gateway suite: a Starlette app and a Flask app, on Albany and on their usual servers.

``benchmarks/run --suite gateway --duration 5``. Starlette on Albany (uvloop, Twisted)
against uvicorn and daphne; Flask on Albany against gunicorn's gthread worker, one
process and the same number of threads (8) on both sides.
"""

from __future__ import annotations

from benchmarks.suites import Server, Target, albany, python_module

STARLETTE = "benchmarks.apps.frameworks:starlette_app"
FLASK = "benchmarks.apps.frameworks:flask_app"
THREADS = 8
BASELINE = "starlette-uvicorn"

SERVERS: tuple[Server, ...] = (
    Server(
        "starlette-albany-uvloop",
        "Starlette on Albany, uvloop",
        albany(f"{STARLETTE} --loop uvloop"),
    ),
    Server(
        "starlette-albany-twisted",
        "Starlette on Albany, Twisted (asyncio reactor)",
        albany(f"{STARLETTE} --loop twisted"),
    ),
    Server(
        "starlette-uvicorn",
        "Starlette on uvicorn, uvloop + httptools",
        python_module(
            f"uvicorn {STARLETTE} --loop uvloop --http httptools --no-access-log"
            " --host {host} --port {port} --log-level warning"
        ),
    ),
    Server(
        "starlette-daphne",
        "Starlette on daphne",
        python_module(f"daphne -b {{host}} -p {{port}} -v 0 {STARLETTE}"),
    ),
    Server(
        "flask-albany-uvloop",
        f"Flask on Albany, uvloop, {THREADS} threads",
        albany(f"{FLASK} --loop uvloop --threads {THREADS}"),
    ),
    Server(
        "flask-albany-twisted",
        f"Flask on Albany, Twisted epoll, {THREADS} threads",
        albany(f"{FLASK} --loop twisted --reactor epoll --threads {THREADS}"),
    ),
    Server(
        "flask-gunicorn-gthread",
        f"Flask on gunicorn, gthread worker, 1 process, {THREADS} threads",
        python_module(
            f"gunicorn {FLASK} -k gthread -w 1 --threads {THREADS} -b {{host}}:{{port}}"
            " --log-level warning"
        ),
    ),
)

TARGETS: tuple[Target, ...] = (
    Target(
        "Starlette: Albany uvloop / uvicorn", "starlette-albany-uvloop", "starlette-uvicorn", 1.0
    ),
    Target(
        "Starlette: Albany Twisted / daphne", "starlette-albany-twisted", "starlette-daphne", 1.0
    ),
    Target(
        "Flask: Albany uvloop / gunicorn gthread",
        "flask-albany-uvloop",
        "flask-gunicorn-gthread",
        1.0,
    ),
)

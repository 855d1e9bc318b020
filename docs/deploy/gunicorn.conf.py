# gunicorn serving an Albany app with one of Albany's worker classes:
#   gunicorn -c docs/deploy/gunicorn.conf.py myproject.web:app
# The worker class picks the loop: UvloopWorker, AsyncioWorker, TwistedWorker (epoll),
# TwistedAsyncioWorker (the asyncio reactor) or TornadoWorker. Any app kind Albany detects
# (ASGI, WSGI, twisted.web, Tornado, aiohttp) is served; gunicorn's settings below are mapped
# to Albany's, and one Albany cannot apply stops the worker with a clear error.
import multiprocessing
import os

bind = os.environ.get("ALBANY_BIND", "unix:/run/albany/albany.sock")
worker_class = "albany.workers.UvloopWorker"
workers = int(os.environ.get("ALBANY_WORKERS", multiprocessing.cpu_count()))
timeout = 30  # a worker whose loop is blocked this long is killed and replaced
graceful_timeout = 30  # in-flight requests get this long on SIGTERM or SIGHUP
keepalive = 5
max_requests = 10000
max_requests_jitter = 1000
forwarded_allow_ips = "127.0.0.1"  # nginx on this host: X-Forwarded-* trusted from it alone

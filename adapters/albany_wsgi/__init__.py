"""WSGI apps (PEP 3333) as Albany apps, on every backend's own thread pool.

``wsgi_app(flask_app)`` is a neutral-flavoured Albany app: the WSGI call runs in
the loop's thread pool (Twisted's threadpool, the asyncio loop's executor), the
request body streams into ``wsgi.input`` as it is read, and the response iterable
streams out with backpressure; ``close()`` is always called.
"""

from albany_wsgi.app import WSGIApp, wsgi_app

__all__ = ["WSGIApp", "wsgi_app"]

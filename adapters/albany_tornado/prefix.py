"""The mount prefix (``root_path``) for a Tornado application: it routes below it.

Mounted at ``/sub``, an application's ``/x`` rule serves ``/sub/x`` — the one rule of
``albany.mount.path_below``. The request keeps the full path (``request.path``,
``request.uri``, ``full_url()`` and the redirects made from them stay public); only
the routers see the path below the prefix, while they look for the handler. Tornado's
``reverse_url`` knows no prefix, so the application's ``reverse_url`` puts the
serving request's ``root_path`` in front.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any
from urllib.parse import quote

from tornado import httputil
from tornado.routing import Router

from albany.mount import raw_path_below

ROOT_PATH: ContextVar[str] = ContextVar("albany_tornado_root_path", default="")
"""The ``root_path`` of the request the current task serves."""


def start_request(
    delegate: httputil.HTTPServerConnectionDelegate,
    scope: Any,
    server_conn: object,
    request_conn: httputil.HTTPConnection,
) -> httputil.HTTPMessageDelegate:
    """``delegate.start_request``, routing on the path below ``scope["root_path"]``."""
    root_path: str = scope.get("root_path", "")
    if ROOT_PATH.get() != root_path:
        ROOT_PATH.set(root_path)
    if not root_path or not isinstance(delegate, Router):
        return delegate.start_request(server_conn, request_conn)
    _prefix_reverse_url(delegate)
    below = raw_path_below(scope).decode("latin-1") or "/"  # Tornado routes on the raw path
    return BelowPrefix(delegate, below).start_request(server_conn, request_conn)


class BelowPrefix(Router):
    """``router`` looking for the handler of one request by the path below its prefix."""

    def __init__(self, router: Router, path: str) -> None:
        self.router = router
        self.path = path

    def find_handler(
        self, request: httputil.HTTPServerRequest, **kwargs: Any
    ) -> httputil.HTTPMessageDelegate | None:
        public = request.path
        request.path = self.path
        try:
            return self.router.find_handler(request, **kwargs)
        finally:
            request.path = public


def _prefix_reverse_url(application: Any) -> None:
    """Make ``application.reverse_url`` give public URLs (once; a no-op outside a request)."""
    reverse = getattr(application, "reverse_url", None)
    if reverse is None or getattr(reverse, "albany_prefixed", False):
        return

    def reverse_url(name: str, *args: Any) -> str:
        return quote(ROOT_PATH.get()) + str(reverse(name, *args))

    reverse_url.albany_prefixed = True  # type: ignore[attr-defined]
    application.reverse_url = reverse_url

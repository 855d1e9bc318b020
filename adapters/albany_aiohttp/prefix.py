"""The mount prefix (``root_path``) in aiohttp's own terms: the routes move below it.

Mounted at ``/sub``, an application's ``/x`` route serves ``/sub/x`` — the one rule of
``albany.mount.path_below`` — the way aiohttp serves a sub-application
(``add_subapp``): each resource gets the prefix (``add_prefix``), the request keeps the
full path, and ``request.url`` and ``url_for()`` give the public URL.
"""

from __future__ import annotations

from aiohttp import web


class RoutePrefix:
    """The prefix an application's routes have been moved below; one per application."""

    def __init__(self) -> None:
        self.prefix: str | None = None

    def follow(self, application: web.Application, root_path: str) -> None:
        """Move the routes below ``root_path`` on the first request; later ones must agree."""
        if root_path == self.prefix:
            return
        if self.prefix is not None:
            raise RuntimeError(
                f"this aiohttp application serves below {self.prefix or '/'!r}, not "
                f"{root_path or '/'!r}: mount each web.Application at one prefix"
            )
        if root_path:
            add_prefix(application.router, root_path)
        self.prefix = root_path


def add_prefix(router: web.UrlDispatcher, prefix: str) -> None:
    """What ``add_subapp`` does to a sub-application's router: every resource below ``prefix``."""
    # aiohttp 3.10 and later index resources by their path: re-index each one moved
    unindex = getattr(router, "unindex_resource", None)
    index = getattr(router, "index_resource", None)
    for resource in router.resources():
        if unindex is not None:
            unindex(resource)
        resource.add_prefix(prefix)
        if index is not None:
            index(resource)

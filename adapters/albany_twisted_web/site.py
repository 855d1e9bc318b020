"""A drop-in ``twisted.web.server.Site`` whose connections Albany's HTTP core parses.

``Site(root)`` takes ``twisted.web.server.Site``'s arguments and honours the attributes
people set on it (``displayTracebacks``, ``sessionFactory``, ``requestFactory``,
``logFormatter``/``logPath``, ``timeOut``). Listen with it as with Twisted's own:
``reactor.listenTCP(8080, site)``, an endpoint's ``listen(site)``, ``TCPServer`` in a
``.tac`` file for twistd. Building one imports no reactor, so a module may build its
``Site`` at import time and still be served by ``albany mysite:site --loop uvloop``.
"""

from __future__ import annotations

import copy
from typing import Any

from twisted.web import server

from albany.config import Config

_NO_TIMEOUT = 365 * 24 * 3600.0


class InstalledReactor:
    """Stands for ``twisted.internet.reactor``, looked up at each use (nothing installed early)."""

    def __getattr__(self, name: str) -> Any:
        from twisted.internet import reactor

        return getattr(reactor, name)


INSTALLED_REACTOR: Any = InstalledReactor()


def real_reactor(reactor: Any) -> Any:
    """The reactor object itself, for a ``Site``'s ``reactor`` that may be the stand-in."""
    if isinstance(reactor, InstalledReactor):
        from twisted.internet import reactor as installed

        return installed
    return reactor


class Site(server.Site):
    """``twisted.web.server.Site``, with Albany's protocol behind ``buildProtocol``."""

    def __init__(self, resource: Any, requestFactory: Any = None, *args: Any, **kwargs: Any):
        if len(args) < 4 and "reactor" not in kwargs:
            kwargs["reactor"] = INSTALLED_REACTOR
        super().__init__(resource, requestFactory, *args, **kwargs)  # type: ignore[no-untyped-call]
        self._albany_state: Any = None

    def buildProtocol(self, addr: Any) -> Any:
        """An Albany connection serving this site (not an ``HTTPChannel``).

        Like Twisted's channel it carries ``site`` and ``requestFactory``, for code that
        reads them; requests are made with the site's own ``requestFactory``.
        """
        from albany.backends.twisted.protocol import HttpProtocol

        protocol = HttpProtocol(self.server_state())
        protocol.site = self  # type: ignore[attr-defined]
        protocol.requestFactory = self.requestFactory  # type: ignore[attr-defined]
        return protocol

    def acceptableProtocols(self) -> list[bytes]:
        """The ALPN protocols to offer behind TLS: HTTP/1.1 only, the one Albany speaks."""
        return [b"http/1.1"]

    def server_state(self) -> Any:
        """The Albany server state every connection of this site shares, built once."""
        if self._albany_state is None:
            from albany.backends.twisted.server import server_state
            from albany_twisted_web.resource_app import ResourceApp

            timeout = self.timeOut if self.timeOut is not None else _NO_TIMEOUT
            config = Config(timeout_keep_alive=float(timeout), access_log=False)
            self._albany_state = server_state(ResourceApp(self), config, real_reactor(self.reactor))
        return self._albany_state

    def getResourceFor(self, request: Any) -> Any:
        """Traverse from the root, the mount point (``root_path``) counted as the site's path."""
        channel = getattr(request, "channel", None)
        cached = getattr(channel, "traversed", None)
        if cached is not None:  # found before the body streamed in (see resource_app)
            resource, request.prepath, request.postpath, request.sitepath = cached
            request.site = self
            return resource
        mount = getattr(channel, "mount", ())
        if mount and request.postpath[: len(mount)] == mount:
            request.prepath = request.postpath[: len(mount)]
            request.postpath = request.postpath[len(mount) :]
        return super().getResourceFor(request)  # type: ignore[no-untyped-call]

    def traverse_early(self, request: Any) -> Any:
        """Find the resource before the body is read, and remember the walk for ``process``."""
        resource = self.getResourceFor(request)
        request.channel.traversed = (
            resource,
            copy.copy(request.prepath),
            copy.copy(request.postpath),
            copy.copy(request.sitepath),
        )
        return resource

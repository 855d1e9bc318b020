"""twisted.web's own ``Site`` on the epoll reactor: a leaf ``Resource`` returning the body.

``python -m benchmarks.apps.twisted_web --port N``; stops on SIGTERM (the reactor's handler).
The access log is off: ``QuietSite.log`` writes nothing.
"""

from __future__ import annotations

from twisted.internet.epollreactor import EPollReactor
from twisted.internet.main import installReactor
from twisted.web.http import Request
from twisted.web.resource import Resource
from twisted.web.server import Site

from benchmarks.apps import BODY, CONTENT_TYPE, parse_address


class Hello(Resource):
    """Every path and method: the hello body."""

    isLeaf = True

    def render(self, request: Request) -> bytes:
        request.setHeader(b"content-type", CONTENT_TYPE)  # type: ignore[no-untyped-call]
        return BODY


class QuietSite(Site):
    """A ``Site`` without the access log."""

    def log(self, request: Request) -> None:
        pass


def main() -> None:
    host, port = parse_address(__doc__ or "")
    reactor = EPollReactor()  # type: ignore[no-untyped-call]
    installReactor(reactor)  # type: ignore[no-untyped-call]
    site = QuietSite(Hello())  # type: ignore[no-untyped-call]
    reactor.listenTCP(port, site, interface=host)  # type: ignore[no-untyped-call]
    reactor.run()


if __name__ == "__main__":
    main()

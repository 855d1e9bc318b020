"""twisted.web's own ``Site`` serving ``site:root`` on the epoll reactor, the reference.

``python -m tests.adapters.twisted_web.twisted_site`` binds a free port on 127.0.0.1 and
prints ``serving on http://127.0.0.1:PORT``; SIGTERM stops it (the reactor's handler).
With ``--albany``, the same tree is served by ``albany_twisted_web.Site`` instead (the
drop-in); ``--reactor asyncio`` puts that on Twisted's asyncio reactor over uvloop, and
``--endpoint`` listens through a server endpoint instead of ``listenTCP``; ``--tree mixed``
serves the tree with an asyncio ASGI app mounted in it; ``--tls DIR`` listens with
``listenSSL`` on ``DIR/cert.pem`` and ``DIR/key.pem``, the ALPN offer left to the site.
"""

from __future__ import annotations

import argparse


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--albany", action="store_true")
    parser.add_argument("--reactor", choices=("epoll", "asyncio"), default="epoll")
    parser.add_argument("--endpoint", action="store_true")
    parser.add_argument("--tree", choices=("root", "mixed"), default="root")
    parser.add_argument("--tls", metavar="DIR")
    options = parser.parse_args()
    if options.reactor == "asyncio":
        import uvloop
        from twisted.internet import asyncioreactor

        asyncioreactor.install(uvloop.new_event_loop())
    else:
        from twisted.internet import epollreactor

        epollreactor.install()
    from twisted.internet import reactor
    from twisted.internet.endpoints import TCP4ServerEndpoint
    from twisted.web import server

    from tests.adapters.twisted_web import site as trees

    root = getattr(trees, options.tree)

    if options.albany:
        from albany_twisted_web import Site

        site = Site(root)
    else:
        site = server.Site(root)

    scheme = "https" if options.tls else "http"

    def report(port: object) -> None:
        print(f"serving on {scheme}://127.0.0.1:{port.getHost().port}", flush=True)  # type: ignore[attr-defined]

    if options.tls:
        report(reactor.listenSSL(0, site, tls_options(options.tls), interface="127.0.0.1"))  # type: ignore[attr-defined]
    elif options.endpoint:
        TCP4ServerEndpoint(reactor, 0, interface="127.0.0.1").listen(site).addCallback(report)
    else:
        report(reactor.listenTCP(0, site, interface="127.0.0.1"))
    reactor.run()


def tls_options(directory: str) -> object:
    """Certificate options from ``cert.pem`` and ``key.pem``, no ALPN list of their own."""
    import os

    from twisted.internet.ssl import PrivateCertificate

    with open(os.path.join(directory, "cert.pem"), "rb") as cert:
        with open(os.path.join(directory, "key.pem"), "rb") as key:
            pem = cert.read() + key.read()
            return PrivateCertificate.loadPEM(pem).options()  # type: ignore[no-untyped-call]


if __name__ == "__main__":
    main()

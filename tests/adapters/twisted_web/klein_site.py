"""A Klein app, served by Albany as it is (``albany tests.adapters.twisted_web.klein_site:app``)."""

from __future__ import annotations

from typing import Any

from klein import Klein
from twisted.internet.defer import Deferred

app = Klein()


@app.route("/hello/<name>")
def hello(request: Any, name: str) -> str:
    request.setHeader(b"content-type", b"text/plain")
    return f"hello {name} {request.args.get(b'x', [b''])[0].decode()}"


@app.route("/later")
def later(request: Any) -> Deferred[bytes]:
    from twisted.internet import reactor

    deferred: Deferred[bytes] = Deferred()
    reactor.callLater(0.01, deferred.callback, b"later")  # type: ignore[attr-defined]
    return deferred


@app.route("/form", methods=["POST"])
def form(request: Any) -> bytes:
    return b",".join(sorted(request.args))

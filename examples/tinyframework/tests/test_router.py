"""The router alone, with no server and no loop: a coroutine stepped by hand."""

from __future__ import annotations

from typing import Any

from tinyframework import App, Request, Response


def run(coroutine: Any) -> Any:
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    raise AssertionError("the handler waited")


def request(method: str, path: str) -> Request:
    scope = {
        "method": method,
        "path": path,
        "query_string": b"",
        "headers": [],
        "extensions": {"albany": {"helpers": None, "backend": "none"}},
    }
    return Request(scope, None, {})


def test_first_matching_route_wins() -> None:
    app = App()

    @app.route("/a/{x}")
    async def first(request: Request) -> Response:
        return Response("first " + request.params["x"])

    @app.route("/a/b")
    async def second(request: Request) -> Response:
        return Response("second")

    assert run(app.dispatch(request("GET", "/a/b"))).body == "first b"
    assert run(app.dispatch(request("GET", "/a/b/c"))).status == 404

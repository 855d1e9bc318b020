"""A demo app: what the tests serve (``albany tinyframework.demo:app --loop twisted``)."""

from __future__ import annotations

from tinyframework import App, Request, Response

app = App()


async def load_greeting() -> None:
    app.state["greeting"] = "Hello"


app.on_startup.append(load_greeting)


@app.route("/")
async def home(request: Request) -> Response:
    return Response(f"{app.state.get('greeting', '?')} from {request.backend}")


@app.route("/items/{name}", methods=("GET", "PUT"))
async def item(request: Request) -> Response:
    if request.method == "PUT":
        return Response.json({"name": request.params["name"], "stored": await request.json()})
    return Response.json({"name": request.params["name"], "query": request.query})


@app.route("/slow")
async def slow(request: Request) -> Response:
    await request.helpers.sleep(float(request.query.get("s", "0.05")))
    total = await request.helpers.run_in_thread(sum, [1, 2, 3])
    return Response(f"slept, then {total}")

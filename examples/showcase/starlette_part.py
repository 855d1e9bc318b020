"""A Starlette (ASGI) application, unchanged."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from examples.showcase.served_by import describe


async def hello(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"Hello from a Starlette endpoint via {describe()}.\n")


application = Starlette(routes=[Route("/", hello)])

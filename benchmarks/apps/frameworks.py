"""The hello-world as a Starlette app and as a Flask (WSGI) app."""

from __future__ import annotations

from flask import Flask, Response
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

BODY = "Hello, world!"


async def hello(request: Request) -> PlainTextResponse:
    return PlainTextResponse(BODY)


starlette_app = Starlette(routes=[Route("/", hello)])

flask_app = Flask(__name__)


@flask_app.get("/")
def flask_hello() -> Response:
    return Response(BODY, mimetype="text/plain")

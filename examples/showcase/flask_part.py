"""A Flask (WSGI) application, unchanged; its views run in the loop's thread pool."""

from __future__ import annotations

from flask import Flask, request

from examples.showcase.served_by import describe

application = Flask(__name__)


@application.get("/")
def hello() -> str:
    extension = request.environ["asgi.scope"]["extensions"]["albany"]
    return f"Hello from a Flask view via {describe(extension)}.\n"

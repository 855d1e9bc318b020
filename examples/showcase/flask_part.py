"""A Flask (WSGI) application, unchanged; its views run in the loop's thread pool."""

from __future__ import annotations

from flask import Flask, request

from examples.showcase.page import framework_page
from examples.showcase.served_by import describe

WHAT = (
    "A Flask application (WSGI), unchanged: its views run in the loop's thread pool, "
    "mounted beside apps of other frameworks."
)

application = Flask(__name__)


@application.get("/")
def hello() -> str:
    extension = request.environ["asgi.scope"]["extensions"]["albany"]
    name = request.args.get("name", "world")
    greeting = f"Hello, {name}, from a Flask view via {describe(extension)}."
    return framework_page("Flask", "/flask", WHAT, greeting, name)

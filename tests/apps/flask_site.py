"""A Flask (WSGI) app for the WSGI adapter's tests."""

from __future__ import annotations

import json
import time
from typing import Any, Iterator

from flask import Flask, Response, request

app = Flask(__name__)
CLOSED: list[str] = []


@app.get("/")
def hello() -> str:
    return "Hello from Flask"


@app.post("/echo")
def echo() -> bytes:
    return request.get_data()


@app.post("/form")
def form() -> dict[str, Any]:
    upload = request.files.get("file")
    return {
        "fields": request.form.to_dict(),
        "file": None if upload is None else {"name": upload.filename, "size": len(upload.read())},
    }


@app.post("/lines")
def lines() -> dict[str, Any]:
    stream = request.environ["wsgi.input"]
    return {"lines": [line.decode() for line in stream]}


@app.get("/environ")
def environ() -> dict[str, Any]:
    keys = (
        "SCRIPT_NAME",
        "PATH_INFO",
        "QUERY_STRING",
        "SERVER_PROTOCOL",
        "REQUEST_METHOD",
        "HTTP_X_TWICE",
        "wsgi.url_scheme",
        "wsgi.multithread",
    )
    return {key: request.environ.get(key) for key in keys}


@app.get("/stream")
def stream() -> Response:
    def generate() -> Iterator[bytes]:
        for i in range(5):
            yield f"part {i}\n".encode()
            time.sleep(0.01)

    return Response(generate(), mimetype="text/plain")


class ClosingBody:
    """A response iterable that records its close()."""

    def __init__(self, tag: str, fail: bool) -> None:
        self.tag = tag
        self.fail = fail

    def __iter__(self) -> Iterator[bytes]:
        yield b"first "
        yield b"second"
        if self.fail:
            raise RuntimeError("the body failed half way")

    def close(self) -> None:
        CLOSED.append(self.tag)


@app.get("/closing")
def closing() -> Response:
    tag = request.args["tag"]
    return Response(ClosingBody(tag, request.args.get("fail") == "1"), mimetype="text/plain")


@app.get("/closed")
def closed() -> str:
    return json.dumps(CLOSED)


@app.get("/error")
def error() -> str:
    raise RuntimeError("the view failed")


@app.get("/big")
def big() -> Response:
    size = int(request.args["size"])

    def generate() -> Iterator[bytes]:
        chunk = b"w" * 65536
        sent = 0
        while sent < size:
            piece = chunk[: size - sent]
            sent += len(piece)
            yield piece

    return Response(
        generate(), mimetype="application/octet-stream", headers={"Content-Length": str(size)}
    )


def legacy_write(environ: Any, start_response: Any) -> list[bytes]:
    """A bare WSGI app using the write() callable that start_response returns."""
    write = start_response("200 OK", [("Content-Type", "text/plain")])
    write(b"written, ")
    return [b"then returned"]


def no_start_response(environ: Any, start_response: Any) -> list[bytes]:
    return [b"oops"]


@app.get("/thread-name")
def thread_name() -> str:
    """The worker thread's name, after holding it for a while (to see the pool's size)."""
    import threading

    time.sleep(0.3)
    return threading.current_thread().name


def error_page_after_start(environ: Any, start_response: Any) -> list[bytes]:
    """PEP 3333: a second start_response with exc_info, before any body, replaces the first."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    try:
        raise ValueError("the view failed after starting")
    except ValueError:
        import sys

        start_response("503 Service Unavailable", [("Content-Type", "text/plain")], sys.exc_info())
    return [b"try later"]


def start_response_twice(environ: Any, start_response: Any) -> list[bytes]:
    """PEP 3333: a second start_response without exc_info is an error."""
    start_response("200 OK", [])
    start_response("200 OK", [])
    return [b"never"]


def exc_info_after_body(environ: Any, start_response: Any) -> Any:
    """PEP 3333: start_response with exc_info once the headers are out re-raises the error."""
    write = start_response("200 OK", [("Content-Type", "text/plain")])
    write(b"already sent")
    try:
        raise KeyError("late failure")
    except KeyError:
        import sys

        start_response("500 Internal Server Error", [], sys.exc_info())
    return [b"not reached"]

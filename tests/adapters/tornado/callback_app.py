"""A plain ``callback(request)`` served the way ``HTTPServer(callback)`` serves it.

``/later`` answers from a loop callback after the request callback has returned; ``/raw``
writes its head as bytes through ``connection.write``, as Tornado's oldest interface does;
``/raise`` raises; ``/bad-length`` gives an invalid ``Content-Length``; every other path
answers at once with what the request held.
"""

from __future__ import annotations

import json

from tornado import httputil
from tornado.ioloop import IOLoop

from albany_tornado import tornado_app


def answer(request: httputil.HTTPServerRequest) -> None:
    body = json.dumps(
        {
            "method": request.method,
            "path": request.path,
            "arguments": {k: [v.decode() for v in vs] for k, vs in request.arguments.items()},
            "body": request.body.decode(),
        }
    ).encode()
    headers = httputil.HTTPHeaders(
        {"Content-Type": "application/json", "Content-Length": str(len(body))}
    )
    connection = request.connection
    assert connection is not None
    connection.write_headers(httputil.ResponseStartLine("HTTP/1.1", 200, "OK"), headers)
    connection.write(body)
    connection.finish()


def callback(request: httputil.HTTPServerRequest) -> None:
    connection = request.connection
    assert connection is not None
    if request.path == "/later":
        IOLoop.current().add_callback(answer, request)
    elif request.path == "/raw":
        connection.write(b"HTTP/1.1 203 Raw Head\r\nContent-Length: 3\r\nX-Raw: ")
        connection.write(b"yes\r\n\r\nraw")
        connection.finish()
    elif request.path == "/raise":
        raise RuntimeError("the callback failed")
    elif request.path == "/bad-length":
        connection.write_headers(
            httputil.ResponseStartLine("HTTP/1.1", 200, "OK"),
            httputil.HTTPHeaders({"Content-Length": "+10"}),
        )
    else:
        answer(request)


app = tornado_app(callback)

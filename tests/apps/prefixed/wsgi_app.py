"""A WSGI app: ``/x`` reports ``SCRIPT_NAME``, ``PATH_INFO`` and the URLs ``wsgiref`` builds."""

from __future__ import annotations

import json
from typing import Any, Callable, Iterable
from wsgiref.util import application_uri, request_uri


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = environ["PATH_INFO"]
    if path == "/x":
        body = {
            "script_name": environ["SCRIPT_NAME"],
            "path_info": path,
            "request_uri": request_uri(environ),
            "item_url": application_uri(environ) + "/item/7",
        }
    elif path.startswith("/item/"):
        body = {"item": path[len("/item/") :]}
    else:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"Not Found"]
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(body).encode()]

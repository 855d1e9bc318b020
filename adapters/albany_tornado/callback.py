"""A plain ``callback(request)`` as a delegate: ``HTTPServer(callback)``'s older interface.

Tornado's ``HTTPServer`` takes a callable as well as an ``HTTPServerConnectionDelegate``:
the body is read whole, then the callable gets the ``HTTPServerRequest`` and answers
through ``request.connection`` (``write_headers``, ``write``, ``finish``), at once or later.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, cast

from tornado import httputil

RequestCallback = Callable[[httputil.HTTPServerRequest], None]


class CallbackDelegate(httputil.HTTPServerConnectionDelegate):
    """Serves each request with ``callback(request)`` once its body has been read."""

    def __init__(self, callback: RequestCallback) -> None:
        self.callback = callback

    def start_request(
        self, server_conn: object, request_conn: httputil.HTTPConnection
    ) -> httputil.HTTPMessageDelegate:
        return _WholeRequest(self.callback, request_conn)

    def on_close(self, server_conn: object) -> None:
        """Nothing is kept per connection."""


class _WholeRequest(httputil.HTTPMessageDelegate):
    """One request: its body gathered, then handed to the callback with the request."""

    def __init__(self, callback: RequestCallback, connection: httputil.HTTPConnection) -> None:
        self.callback = callback
        self.connection = connection
        self.request: httputil.HTTPServerRequest | None = None
        self.chunks: list[bytes] = []

    def headers_received(
        self,
        start_line: httputil.RequestStartLine | httputil.ResponseStartLine,
        headers: httputil.HTTPHeaders,
    ) -> Awaitable[None] | None:
        self.request = httputil.HTTPServerRequest(
            connection=self.connection,
            start_line=cast(httputil.RequestStartLine, start_line),
            headers=headers,
        )
        return None

    def data_received(self, chunk: bytes) -> Awaitable[None] | None:
        self.chunks.append(chunk)
        return None

    def finish(self) -> None:
        request = self.request
        assert request is not None
        request.body = b"".join(self.chunks)
        request._parse_body()  # what Tornado's own adapter calls: arguments, files
        self.callback(request)

    def on_connection_close(self) -> None:
        self.chunks = []


def as_delegate(target: Any) -> httputil.HTTPServerConnectionDelegate:
    """``target`` if it is a delegate, a ``CallbackDelegate`` over it if it is callable."""
    if isinstance(target, httputil.HTTPServerConnectionDelegate):
        return target
    if callable(target):
        return CallbackDelegate(target)
    raise TypeError(
        "Tornado serves an HTTPServerConnectionDelegate (an Application, a router) "
        f"or a callable taking an HTTPServerRequest, not {type(target).__name__}"
    )

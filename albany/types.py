"""Typed definitions of the Albany calling interface (spec: docs/spec.md).

Scopes and messages are ASGI 3.0's, unchanged; ``AlbanyExtension`` is the one
addition, found under ``scope["extensions"]["albany"]``.
"""

from __future__ import annotations

from typing import (
    TYPE_CHECKING,
    Any,
    Awaitable,
    Callable,
    Iterable,
    Literal,
    MutableMapping,
    Tuple,
    TypedDict,
    Union,
)

if TYPE_CHECKING:
    from albany.neutral import Helpers

Flavour = Literal["asyncio", "twisted", "neutral"]
"""Which awaitables an app drives (see docs/spec.md, "Flavours")."""

BackendName = Literal["asyncio", "uvloop", "twisted", "tornado"]

RawHeaders = Iterable[Tuple[bytes, bytes]]


class ASGIVersions(TypedDict):
    """The ``scope["asgi"]`` mapping."""

    version: str
    spec_version: str


class AlbanyExtension(TypedDict):
    """``scope["extensions"]["albany"]``: what serves the request, and the helpers."""

    backend: BackendName
    flavour: Flavour
    spec_version: str
    helpers: Helpers


class HTTPScope(TypedDict):
    """The connection scope of one HTTP request."""

    type: Literal["http"]
    asgi: ASGIVersions
    http_version: str
    server: Tuple[str, int | None] | None
    client: Tuple[str, int] | None
    scheme: str
    method: str
    root_path: str
    path: str
    raw_path: bytes
    query_string: bytes
    headers: list[tuple[bytes, bytes]]
    state: dict[str, Any]
    extensions: dict[str, Any]  # "albany", "albany.http.reason" and "albany.http.abort"


class LifespanScope(TypedDict):
    """The scope of the lifespan protocol, one per server run."""

    type: Literal["lifespan"]
    asgi: ASGIVersions
    state: dict[str, Any]
    extensions: dict[str, Any]


class WebSocketScope(TypedDict):
    """The connection scope of one WebSocket session (an upgraded HTTP/1.1 request)."""

    type: Literal["websocket"]
    asgi: ASGIVersions
    http_version: str
    scheme: str  # "ws" or "wss"
    server: Tuple[str, int | None] | None
    client: Tuple[str, int] | None
    root_path: str
    path: str
    raw_path: bytes
    query_string: bytes
    headers: list[tuple[bytes, bytes]]
    subprotocols: list[str]
    state: dict[str, Any]
    extensions: dict[str, Any]  # "albany" and "websocket.http.response"


Scope = Union[HTTPScope, WebSocketScope, LifespanScope]


class HTTPRequestEvent(TypedDict):
    """``http.request``: a piece of the request body."""

    type: Literal["http.request"]
    body: bytes
    more_body: bool


class HTTPDisconnectEvent(TypedDict):
    """``http.disconnect``: the client went away, or the response is complete."""

    type: Literal["http.disconnect"]


class HTTPResponseStartEvent(TypedDict, total=False):
    """``http.response.start``: status and headers (``trailers`` unsupported)."""

    type: Literal["http.response.start"]
    status: int
    headers: RawHeaders
    trailers: bool
    reason: str  # the albany.http.reason extension: the status line's reason phrase


class HTTPResponseBodyEvent(TypedDict, total=False):
    """``http.response.body``: a piece of the response body."""

    type: Literal["http.response.body"]
    body: bytes
    more_body: bool


class HTTPResponseAbortEvent(TypedDict):
    """``albany.http.abort`` (the extension of that name): no response, the connection closes."""

    type: Literal["albany.http.abort"]


class WebSocketConnectEvent(TypedDict):
    """``websocket.connect`` (receive): the client asks to open; the first message."""

    type: Literal["websocket.connect"]


class WebSocketAcceptEvent(TypedDict, total=False):
    """``websocket.accept`` (send): open the session, with a subprotocol and extra headers."""

    type: Literal["websocket.accept"]
    subprotocol: str | None
    headers: RawHeaders


class WebSocketReceiveEvent(TypedDict, total=False):
    """``websocket.receive`` (receive): one message; exactly one of the two keys is present."""

    type: Literal["websocket.receive"]
    bytes: bytes
    text: str


class WebSocketSendEvent(TypedDict, total=False):
    """``websocket.send`` (send): one message; exactly one of the two is not None."""

    type: Literal["websocket.send"]
    bytes: bytes | None
    text: str | None


class WebSocketCloseEvent(TypedDict, total=False):
    """``websocket.close`` (send): close with ``code`` (1000) and ``reason``; 403 before accept."""

    type: Literal["websocket.close"]
    code: int
    reason: str | None


class WebSocketDisconnectEvent(TypedDict):
    """``websocket.disconnect`` (receive): the session ended; 1006 when the connection was lost."""

    type: Literal["websocket.disconnect"]
    code: int
    reason: str


class WebSocketResponseStartEvent(TypedDict, total=False):
    """``websocket.http.response.start`` (send): deny the upgrade with this response."""

    type: Literal["websocket.http.response.start"]
    status: int
    headers: RawHeaders


class WebSocketResponseBodyEvent(TypedDict, total=False):
    """``websocket.http.response.body`` (send): a piece of the denial's body."""

    type: Literal["websocket.http.response.body"]
    body: bytes
    more_body: bool


class LifespanStartupEvent(TypedDict):
    type: Literal["lifespan.startup"]


class LifespanShutdownEvent(TypedDict):
    type: Literal["lifespan.shutdown"]


class LifespanStartupCompleteEvent(TypedDict):
    type: Literal["lifespan.startup.complete"]


class LifespanStartupFailedEvent(TypedDict):
    type: Literal["lifespan.startup.failed"]
    message: str


class LifespanShutdownCompleteEvent(TypedDict):
    type: Literal["lifespan.shutdown.complete"]


class LifespanShutdownFailedEvent(TypedDict):
    type: Literal["lifespan.shutdown.failed"]
    message: str


ReceiveEvent = Union[
    HTTPRequestEvent,
    HTTPDisconnectEvent,
    WebSocketConnectEvent,
    WebSocketReceiveEvent,
    WebSocketDisconnectEvent,
    LifespanStartupEvent,
    LifespanShutdownEvent,
]
SendEvent = Union[
    HTTPResponseStartEvent,
    HTTPResponseBodyEvent,
    HTTPResponseAbortEvent,
    WebSocketAcceptEvent,
    WebSocketSendEvent,
    WebSocketCloseEvent,
    WebSocketResponseStartEvent,
    WebSocketResponseBodyEvent,
    LifespanStartupCompleteEvent,
    LifespanStartupFailedEvent,
    LifespanShutdownCompleteEvent,
    LifespanShutdownFailedEvent,
]

Message = MutableMapping[str, Any]
"""A message as it travels at run time; the TypedDicts above say what it holds."""

Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Any, Receive, Send], Any]
"""An Albany app: ``app(scope, receive, send)`` returning an awaitable (or a Deferred)."""

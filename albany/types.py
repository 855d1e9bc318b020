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
    extensions: dict[str, Any]


class LifespanScope(TypedDict):
    """The scope of the lifespan protocol, one per server run."""

    type: Literal["lifespan"]
    asgi: ASGIVersions
    state: dict[str, Any]
    extensions: dict[str, Any]


Scope = Union[HTTPScope, LifespanScope]


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


class HTTPResponseBodyEvent(TypedDict, total=False):
    """``http.response.body``: a piece of the response body."""

    type: Literal["http.response.body"]
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
    HTTPRequestEvent, HTTPDisconnectEvent, LifespanStartupEvent, LifespanShutdownEvent
]
SendEvent = Union[
    HTTPResponseStartEvent,
    HTTPResponseBodyEvent,
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

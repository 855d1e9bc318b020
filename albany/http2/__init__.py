"""Sans-IO HTTP/2 (RFC 9113) on the ``h2`` library: bytes in, per-stream request events out.

Beside ``albany.http1``, and emitting the same request events (``albany.http1.events``)
tagged with their stream, so each stream can feed the one request cycle. Imported only
when HTTP/2 is enabled (the ``http2`` extra installs ``h2``).
"""

from albany.http2.connection import Http2Connection
from albany.http2.events import (
    BodyData,
    Http2Event,
    PeerGoAway,
    RequestHead,
    StreamEnd,
    StreamRefused,
    StreamReset,
    Terminated,
    WindowOpened,
)
from albany.http2.preface import PREFACE, looks_like_preface
from albany.http2.settings import Http2Settings

__all__ = [
    "PREFACE",
    "BodyData",
    "Http2Connection",
    "Http2Event",
    "Http2Settings",
    "PeerGoAway",
    "RequestHead",
    "StreamEnd",
    "StreamRefused",
    "StreamReset",
    "Terminated",
    "WindowOpened",
    "looks_like_preface",
]

"""The ``tornado.httpserver.HTTPServer`` options that the adapter applies per request."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_CHUNK_SIZE = 65536
"""Largest piece handed to ``data_received``, as Tornado's ``chunk_size`` default."""

DEFAULT_MAX_BUFFER_SIZE = 104857600
"""Tornado's ``max_buffer_size`` default (100 MiB): the body limit when none is given."""


@dataclass(frozen=True)
class ServerOptions:
    """What ``HTTPServer(delegate, **options)`` would apply to each request.

    ``max_header_size`` and ``idle_connection_timeout`` are not here: Albany's core
    enforces those (``--limit-header-size``, ``--timeout-keep-alive``); the drop-in
    ``albany_tornado.HTTPServer`` maps them onto its ``albany.Config``.
    """

    xheaders: bool = False
    protocol: str | None = None
    trusted_downstream: frozenset[str] = frozenset()
    decompress_request: bool = False
    chunk_size: int = DEFAULT_CHUNK_SIZE
    max_body_size: int = DEFAULT_MAX_BUFFER_SIZE
    no_keep_alive: bool = False
    body_timeout: float | None = None
    """Seconds the whole body may take to arrive, else 408 and close; None: no limit."""

    @classmethod
    def from_tornado(
        cls,
        *,
        xheaders: bool = False,
        protocol: str | None = None,
        trusted_downstream: list[str] | None = None,
        decompress_request: bool = False,
        chunk_size: int | None = None,
        max_body_size: int | None = None,
        max_buffer_size: int | None = None,
        no_keep_alive: bool = False,
        body_timeout: float | None = None,
    ) -> ServerOptions:
        """Options spelled as ``HTTPServer``'s keyword arguments; ``None`` is Tornado's default."""
        body_limit = max_body_size if max_body_size is not None else max_buffer_size
        return cls(
            xheaders=xheaders,
            protocol=protocol,
            trusted_downstream=frozenset(trusted_downstream or ()),
            decompress_request=decompress_request,
            chunk_size=chunk_size or DEFAULT_CHUNK_SIZE,
            max_body_size=body_limit if body_limit is not None else DEFAULT_MAX_BUFFER_SIZE,
            no_keep_alive=no_keep_alive,
            body_timeout=body_timeout,
        )

"""``HTTPServer(ssl_options=…)``: Tornado's TLS options as Albany's TLS settings.

Tornado takes an ``ssl.SSLContext`` or a dict of ``SSLContext.wrap_socket`` keywords
(``certfile``, ``keyfile``, ``cert_reqs``, ``ca_certs``, ``ciphers``, ``ssl_version``).
Albany serves TLS on every backend from ``Config``: a ready context (``Config.ssl``) on
asyncio and Tornado, certificate files (``Config.ssl_certfile``…) on every backend, Twisted
included. So the dict's file keys become the ``ssl_*`` files, and anything only a context
can carry (``ciphers``, ``ssl_version``, a context itself) becomes ``Config.ssl``, which
the Twisted backend cannot take.
"""

from __future__ import annotations

import ssl
from typing import Any

from tornado.netutil import ssl_options_to_context

from albany.config import Config

_FILE_KEYS = {"certfile", "keyfile", "ca_certs", "cert_reqs"}
_DEFAULT_VERSIONS = (ssl.PROTOCOL_TLS_SERVER, ssl.PROTOCOL_TLS)
"""``ssl_version`` values that ask for what Albany does anyway: the best version both speak."""


def apply_ssl_options(config: Config, ssl_options: Any, backend: str) -> None:
    """Set ``config``'s TLS settings from Tornado's ``ssl_options`` (already checked by
    ``TCPServer``: a dict has a ``certfile`` that exists)."""
    if config.is_ssl:
        raise ValueError("Give the TLS settings once: ssl_options, or config's ssl settings")
    if isinstance(ssl_options, dict) and _files_only(ssl_options):
        config.ssl_certfile = ssl_options["certfile"]
        config.ssl_keyfile = ssl_options.get("keyfile")
        config.ssl_ca_certs = ssl_options.get("ca_certs")
        config.ssl_cert_reqs = int(ssl_options.get("cert_reqs", ssl.CERT_NONE))
        return
    if backend == "twisted":
        raise ValueError(
            "The Twisted backend serves TLS from certificate files: give ssl_options as a "
            "dict of certfile, keyfile, ca_certs and cert_reqs, not "
            + (
                "an ssl.SSLContext"
                if isinstance(ssl_options, ssl.SSLContext)
                else "ciphers or ssl_version"
            )
        )
    config.ssl = ssl_options_to_context(ssl_options, server_side=True)


def _files_only(ssl_options: dict[str, Any]) -> bool:
    """Whether the dict holds only what the ``ssl_*`` files say (a default ``ssl_version``)."""
    rest = set(ssl_options) - _FILE_KEYS
    if rest == {"ssl_version"}:
        return ssl_options["ssl_version"] in _DEFAULT_VERSIONS
    return not rest

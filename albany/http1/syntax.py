"""The RFC 9112/9110 grammar the reader checks itself, where llhttp is lenient.

llhttp skips extra spaces in the request line, bare CRs and LFs before it, and does not
report chunk extensions or trailer fields in a form it has checked; these patterns are
the strict reading of those parts.
"""

from __future__ import annotations

import re
from ipaddress import IPv6Address

_TOKEN = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_OWS = rb"[ \t]*"
_QUOTED_STRING = rb'"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*"'

TOKEN = re.compile(_TOKEN)
"""An RFC 9110 token (5.6.2)."""

REQUEST_LINE = re.compile(rb"(" + _TOKEN + rb") [\x21-\x7e]+ HTTP/([0-9]\.[0-9])")
"""``method SP request-target SP HTTP-version`` (RFC 9112 3): one SP each, no HTAB.

Groups: the method and the version's digits (``1.1``)."""

REQUEST_LINE_CRLF = re.compile(REQUEST_LINE.pattern + rb"\r\n")
"""``REQUEST_LINE`` and its CRLF, matched in place at the start of a message."""

NOT_IN_REQUEST_LINE = re.compile(rb"[\x00-\x1f\x7f-\xff]")
"""A byte that cannot appear in a request line (its CRLF aside)."""

CHUNK_LINE = re.compile(
    rb"([0-9A-Fa-f]+)(?:"
    + _OWS
    + rb";"
    + _OWS
    + _TOKEN
    + rb"(?:"
    + _OWS
    + rb"="
    + _OWS
    + rb"(?:"
    + _TOKEN
    + rb"|"
    + _QUOTED_STRING
    + rb"))?)*"
)
"""``chunk-size [ chunk-ext ]`` (RFC 9112 7.1.1), BWS included where the grammar has it."""

SIZE_LINE_CRLF = re.compile(CHUNK_LINE.pattern + rb"\r\n")
"""``CHUNK_LINE`` and its CRLF, matched in place at the start of a chunk."""

SIZE_CRLF = re.compile(rb"([0-9A-Fa-f]+)\r\n")
"""A chunk-size line without extensions and its CRLF: ``SIZE_LINE_CRLF``'s common case."""

FIELD_LINE = re.compile(rb"" + _TOKEN + rb":[\t\x20-\x7e\x80-\xff]*")
"""``field-name ":" OWS field-value OWS`` (RFC 9112 5), for trailer fields."""

_UNRESERVED_SUB_DELIMS = rb"A-Za-z0-9\-._~!$&'()*+,;="
_HOST = re.compile(
    rb"(?:(?:["
    + _UNRESERVED_SUB_DELIMS
    + rb"]|%[0-9A-Fa-f]{2})*"  # reg-name, IPv4address included
    + rb"|\[(?:([0-9A-Fa-f:.]+)|v[0-9A-Fa-f]+\.["
    + _UNRESERVED_SUB_DELIMS
    + rb":]+)\])"  # IP-literal: IPv6address or IPvFuture
    + rb"(?::[0-9]*)?"
)


def valid_host(value: bytes) -> bool:
    """Whether ``value`` is ``uri-host [ ":" port ]`` (RFC 9112 3.2, RFC 3986 3.2.2)."""
    match = _HOST.fullmatch(value)
    if match is None:
        return False
    ipv6 = match.group(1)
    if ipv6 is None:
        return True
    try:
        IPv6Address(ipv6.decode("ascii"))
    except ValueError:
        return False
    return True

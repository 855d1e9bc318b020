"""Request methods: any RFC 9110 token, on a parser (llhttp) that knows a fixed list.

A request line whose method is in ``COMMON_METHODS`` goes to llhttp as it is; the reader
gives llhttp any other token as ``GET`` (same framing rules for a request) and keeps the
method sent.
"""

from __future__ import annotations

COMMON_METHODS = {
    m.encode(): m for m in "GET HEAD POST PUT DELETE OPTIONS PATCH CONNECT TRACE".split()
}
"""Methods given to llhttp as sent (CONNECT included: llhttp frames it as a tunnel)."""

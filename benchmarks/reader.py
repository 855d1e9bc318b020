"""The HTTP/1.1 request reader alone, in-process: microseconds per request, best of N rounds.

    .venv/bin/python -m benchmarks.reader [ROUNDS]

Feeds ``albany.http1.reader.RequestReader`` a simple GET, a 16-request pipeline and a small
chunked POST, many times each; prints the best round's cost per request. A micro-benchmark of
the parser only (no sockets, no app), for comparing reader changes on one machine.
"""

from __future__ import annotations

import sys
import time

from albany.http1.reader import RequestReader

GET = b"GET /hello?x=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: wrk\r\nAccept: */*\r\n\r\n"
PIPELINE = GET * 16
CHUNKED = (
    b"POST /e HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
)


def per_feed(data: bytes, feeds: int, rounds: int) -> float:
    """The best round's microseconds per ``feed(data)``."""
    best = float("inf")
    for _ in range(rounds):
        reader = RequestReader()
        started = time.perf_counter()
        for _ in range(feeds):
            reader.feed(data)
        best = min(best, time.perf_counter() - started)
    return best / feeds * 1e6


def main(argv: list[str]) -> int:
    rounds = int(argv[0]) if argv else 25
    get = per_feed(GET, 20000, rounds)
    pipelined = per_feed(PIPELINE, 2000, rounds) / 16
    chunked = per_feed(CHUNKED, 20000, rounds)
    print(f"GET {get:.2f} us  pipelined {pipelined:.2f} us/request  chunked {chunked:.2f} us")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

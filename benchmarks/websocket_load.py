"""WebSocket echo benchmark: a small bounded asyncio load generator, and the run over a suite.

    python -m benchmarks.websocket_load                     # every server, 5 s per scenario
    python -m benchmarks.websocket_load --duration 3 --only albany-uvloop,uvicorn --markdown

For each server of ``benchmarks/suites/websocket.py`` and each scenario (message size,
connections): start the server pinned to CPU 0 (``taskset``, as ``benchmarks/run`` does), open the
connections from this process (pinned to CPU 1), ping-pong one message per connection
for a 1 s warm-up and then ``--duration`` seconds, and count the echoes. Every connection
has exactly one message in flight; the run ends by itself after the duration, and only
the processes this script started are signalled, by their pid.

The client is deliberately thin so that it is not the bottleneck: one masked frame is
built per scenario and sent again for every message (a fixed mask is legal for a
benchmark: servers must unmask whatever the key), and echoes are counted by reading
frame lengths, not by decoding them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import struct
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

from benchmarks.run import (
    BenchmarkFailure,
    free_port,
    markdown_table,
    start_server,
    stop,
    text_table,
    wait_listening,
)
from benchmarks.suites import HOST, Server
from benchmarks.suites import websocket as suite

_HANDSHAKE = (
    b"GET / HTTP/1.1\r\nHost: bench\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)


def client_frame(size: int) -> bytes:
    """One masked binary frame of ``size`` bytes, as a client sends it."""
    payload = bytes(i % 251 for i in range(size))
    key = b"\x37\xfa\x21\x3d"
    masked = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    if size < 126:
        head = struct.pack("!BB", 0x82, 0x80 | size)
    elif size < 65536:
        head = struct.pack("!BBH", 0x82, 0x80 | 126, size)
    else:
        head = struct.pack("!BBQ", 0x82, 0x80 | 127, size)
    return head + key + masked


class EchoClient(asyncio.Protocol):
    """One connection: handshake, then one message in flight, counting echoes."""

    def __init__(self, frame: bytes, counts: list[int], opened: asyncio.Future[None]) -> None:
        self._frame = frame
        self._counts = counts
        self._opened = opened
        self._buffer = b""
        self._open = False
        self._skip = 0  # payload bytes of the current frame still to come
        self.running = True
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write(_HANDSHAKE)  # type: ignore[union-attr]

    def data_received(self, data: bytes) -> None:
        if not self._open:
            self._buffer += data
            head, sep, rest = self._buffer.partition(b"\r\n\r\n")
            if not sep:
                return
            if not head.startswith(b"HTTP/1.1 101"):
                self._opened.set_exception(BenchmarkFailure(f"handshake: {head[:60]!r}"))
                return
            self._open = True
            self._buffer = b""
            self._opened.set_result(None)
            self.transport.write(self._frame)  # type: ignore[union-attr]
            data = rest
        self._count(data)

    def _count(self, data: bytes) -> None:
        view = self._buffer + data if self._buffer else data
        self._buffer = b""
        offset = 0
        end = len(view)
        while offset < end:
            if self._skip:
                taken = min(self._skip, end - offset)
                self._skip -= taken
                offset += taken
                if self._skip:
                    return
                self._echoed()
                continue
            if end - offset < 2:
                self._buffer = view[offset:]
                return
            length = view[offset + 1] & 0x7F
            header = 2
            if length == 126:
                header = 4
                if end - offset < 4:
                    self._buffer = view[offset:]
                    return
                length = struct.unpack_from("!H", view, offset + 2)[0]
            elif length == 127:
                header = 10
                if end - offset < 10:
                    self._buffer = view[offset:]
                    return
                length = struct.unpack_from("!Q", view, offset + 2)[0]
            offset += header
            if length == 0:
                self._echoed()
            else:
                self._skip = length

    def _echoed(self) -> None:
        self._counts[0] += 1
        if self.running:
            self.transport.write(self._frame)  # type: ignore[union-attr]


async def load(port: int, size: int, connections: int, warmup: float, seconds: float) -> float:
    """Echoes per second over ``seconds``, after ``warmup``, with ``connections`` clients."""
    loop = asyncio.get_running_loop()
    frame = client_frame(size)
    counts = [0]
    clients: list[EchoClient] = []
    for _ in range(connections):
        opened: asyncio.Future[None] = loop.create_future()
        _, client = await loop.create_connection(
            lambda opened=opened: EchoClient(frame, counts, opened),  # type: ignore[misc]
            HOST,
            port,
        )
        clients.append(client)
        await asyncio.wait_for(opened, 10)
    await asyncio.sleep(warmup)
    start_count, started = counts[0], time.perf_counter()
    await asyncio.sleep(seconds)
    done, elapsed = counts[0], time.perf_counter() - started
    for client in clients:
        client.running = False
        if client.transport is not None:
            client.transport.close()
    return (done - start_count) / elapsed


def measure(server: Server, duration: float) -> dict[str, float | str]:
    results: dict[str, float | str] = {}
    with tempfile.NamedTemporaryFile(suffix=".log", delete=False) as log:
        log_path = log.name
    for name, size, connections in suite.SCENARIOS:
        port = free_port()
        process = start_server(server, port, "0", Path(log_path))
        try:
            wait_listening(process, port, 20)
            results[name] = asyncio.run(load(port, size, connections, 1.0, duration))
        except (BenchmarkFailure, OSError, asyncio.TimeoutError) as exc:
            with open(log_path, encoding="utf-8", errors="replace") as f:
                results[name] = f"failed: {exc!r} {f.read()[-300:]}"
        finally:
            stop(process)
    os.unlink(log_path)
    return results


def table(results: dict[str, dict[str, float | str]], markdown: bool) -> str:
    names = [name for name, _, _ in suite.SCENARIOS]
    header = ["server"]
    for name in names:
        header += [f"{name} msg/s", f"{name} ratio"]
    rows = []
    for server, numbers in results.items():
        row = [server]
        for name in names:
            value = numbers.get(name)
            base = results.get(suite.BASELINE, {}).get(name)
            if isinstance(value, float):
                row.append(f"{value:,.0f}")
                row.append(f"{value / base:.2f}" if isinstance(base, float) else "-")
            else:
                row += [str(value)[:40], "-"]
        rows.append(row)
    return (markdown_table if markdown else text_table)(header, rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per scenario")
    parser.add_argument("--only", default="", help="comma-separated server names")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    if not 0 < args.duration <= 60:
        parser.error("--duration must be in (0, 60]")
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})
    chosen = set(filter(None, args.only.split(",")))
    results: dict[str, dict[str, float | str]] = {}
    for server in suite.SERVERS:
        if chosen and server.name not in chosen:
            continue
        print(f"{server.name}: {server.description}", file=sys.stderr)
        results[server.name] = measure(server, args.duration)
    print(table(results, args.markdown))
    for target in suite.TARGETS:
        for name, _, _ in suite.SCENARIOS:
            top = results.get(target.numerator, {}).get(name)
            bottom = results.get(target.denominator, {}).get(name)
            if isinstance(top, float) and isinstance(bottom, float):
                print(f"{target.label}, {name}: {top / bottom:.2f} (goal {target.goal:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

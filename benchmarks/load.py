"""Load and soak: Albany on every backend beside uvicorn and hypercorn, under hostile clients.

    .venv/bin/python -m benchmarks.load                      # every scenario, full size
    .venv/bin/python -m benchmarks.load --quick              # every scenario, small and short
    .venv/bin/python -m benchmarks.load --only albany-uvloop,uvicorn --scenarios keepalive,resets
    .venv/bin/python -m benchmarks.load --soak-minutes 30 --json out.json --markdown

Scenarios (each bounded in count and time; the server is restarted for each):

=============  ===========================================================================
keepalive      N keep-alive connections (10,000) each sending requests back to back
slow-readers   500 clients each asking for 10 MiB and reading 64 KiB/s: server memory
slowloris      500 clients sending one header byte a second, while a probe client is served
resets         10,000 clients that reset mid-body (half) and mid-response (half)
soak           50 keep-alive connections for ``--soak-minutes``, RSS sampled every 10 s
sigterm        200 requests in flight (each takes 1 s), then SIGTERM: how many complete
=============  ===========================================================================

For each: requests, req/s, p50/p99 latency, errors, the server's RSS before / at most /
after and its open descriptors. The load generator is this process (asyncio, uvloop when
installed), on the same two cores as the server: numbers compare servers within one run.
The fd limit is raised to its hard maximum here, and the servers inherit it. Only the
processes this script starts are ever signalled, by their pid.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.suites import HOST, Server, albany, python_module

ROOT = Path(__file__).resolve().parent.parent
APP = "benchmarks.apps.load:app"
NEUTRAL = "benchmarks.apps.load:neutral"
GET = b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n"

SERVERS: tuple[Server, ...] = (
    Server("albany-asyncio", "Albany, asyncio", albany(f"{APP} --loop asyncio")),
    Server("albany-uvloop", "Albany, uvloop", albany(f"{APP} --loop uvloop")),
    Server(
        "albany-twisted", "Albany, Twisted epoll, neutral app", albany(f"{NEUTRAL} --loop twisted")
    ),
    Server("albany-tornado", "Albany, Tornado", albany(f"{APP} --loop tornado")),
    Server(
        "uvicorn",
        "uvicorn, uvloop + httptools",
        python_module(
            f"uvicorn {APP} --loop uvloop --http httptools --no-access-log --log-level warning"
            " --host {host} --port {port}"
        ),
    ),
    Server(
        "hypercorn",
        "hypercorn, uvloop, in-process",
        python_module(
            f"hypercorn {APP} --bind {{host}}:{{port}} --worker-class uvloop --workers 0"
            " --log-level warning"
        ),
    ),
)


@dataclass
class Sizes:
    """How big and how long each scenario is."""

    keepalive_connections: int = 10_000
    keepalive_seconds: float = 20.0
    slow_readers: int = 500
    slow_seconds: float = 20.0
    slowloris: int = 500
    slowloris_seconds: float = 15.0
    resets: int = 10_000
    soak_minutes: float = 30.0
    soak_connections: int = 50
    in_flight: int = 200

    @classmethod
    def quick(cls) -> Sizes:
        return cls(2000, 5.0, 100, 5.0, 100, 5.0, 1000, 0.5, 20, 50)


@dataclass
class Outcome:
    """One scenario on one server."""

    server: str
    scenario: str
    requests: int = 0
    seconds: float = 0.0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    rss_before_mib: float = 0.0
    rss_max_mib: float = 0.0
    rss_after_mib: float = 0.0
    fds_max: int = 0
    fds_after: int = 0
    notes: dict[str, object] = field(default_factory=dict)
    failure: str | None = None

    def summary(self) -> dict[str, object]:
        lat = sorted(self.latencies_ms)
        pick = lambda q: round(lat[min(len(lat) - 1, int(q * len(lat)))], 2) if lat else None  # noqa: E731
        return {
            "server": self.server,
            "scenario": self.scenario,
            "requests": self.requests,
            "req/s": round(self.requests / self.seconds) if self.seconds else None,
            "p50 ms": pick(0.50),
            "p99 ms": pick(0.99),
            "errors": self.errors,
            "RSS MiB before/max/after": (
                f"{self.rss_before_mib:.1f}/{self.rss_max_mib:.1f}/{self.rss_after_mib:.1f}"
            ),
            "fds max/after": f"{self.fds_max}/{self.fds_after}",
            **self.notes,
            **({"failure": self.failure} if self.failure else {}),
        }


# -- the server process -------------------------------------------------------------------


class Watched:
    """A server process, its RSS and descriptors sampled on demand."""

    def __init__(self, server: Server, log: Path) -> None:
        with socket.socket() as probe:
            probe.bind((HOST, 0))
            self.port = probe.getsockname()[1]
        path = os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            server.argv(self.port),
            cwd=ROOT,
            env=dict(os.environ, PYTHONPATH=path),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"exited with {self.process.returncode}: {log.read_text()[-500:]}"
                )
            try:
                socket.create_connection((HOST, self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("did not listen within 30 s")

    def rss_mib(self) -> float:
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    def fds(self) -> int:
        try:
            return len(os.listdir(f"/proc/{self.process.pid}/fd"))
        except OSError:
            return 0

    def stop(self) -> int | None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(35)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        return self.process.returncode


class Sampler:
    """Samples the server's RSS and fds every ``every`` seconds while a scenario runs."""

    def __init__(self, server: Watched, outcome: Outcome, every: float = 0.5) -> None:
        self.server, self.outcome, self.every = server, outcome, every
        self.series: list[tuple[float, float]] = []

    async def run(self) -> None:
        started = time.monotonic()
        while True:
            rss = self.server.rss_mib()
            self.series.append((time.monotonic() - started, rss))
            self.outcome.rss_max_mib = max(self.outcome.rss_max_mib, rss)
            self.outcome.fds_max = max(self.outcome.fds_max, self.server.fds())
            await asyncio.sleep(self.every)


# -- the client side ----------------------------------------------------------------------


async def read_response(reader: asyncio.StreamReader) -> tuple[int, int]:
    """Read one response; its status and body length (Content-Length framing)."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status, length


async def request_loop(port: int, deadline: float, outcome: Outcome) -> None:
    try:
        reader, writer = await asyncio.open_connection(HOST, port)
    except OSError:
        outcome.errors += 1
        return
    try:
        while time.monotonic() < deadline:
            began = time.perf_counter()
            writer.write(GET)
            status, _ = await read_response(reader)
            if status != 200:
                outcome.errors += 1
                return
            outcome.requests += 1
            outcome.latencies_ms.append((time.perf_counter() - began) * 1000)
    except (OSError, asyncio.IncompleteReadError, ValueError):
        outcome.errors += 1
    finally:
        writer.close()


async def gradually(count: int, start: Callable[[int], Awaitable[None]], batch: int = 250) -> None:
    """Start ``count`` clients in batches (a listen backlog is not a connection storm test)."""
    tasks = []
    for first in range(0, count, batch):
        tasks += [asyncio.ensure_future(start(n)) for n in range(first, min(count, first + batch))]
        await asyncio.sleep(0.02)
    await asyncio.gather(*tasks)


async def keepalive(server: Watched, sizes: Sizes, outcome: Outcome) -> None:
    deadline = time.monotonic() + sizes.keepalive_seconds
    began = time.monotonic()
    await gradually(
        sizes.keepalive_connections, lambda _: request_loop(server.port, deadline, outcome)
    )
    outcome.seconds = time.monotonic() - began


async def slow_readers(server: Watched, sizes: Sizes, outcome: Outcome) -> None:
    deadline = time.monotonic() + sizes.slow_seconds
    read_bytes = [0]

    async def one(_: int) -> None:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        sock.setblocking(False)
        try:
            await asyncio.get_running_loop().sock_connect(sock, (HOST, server.port))
            reader, writer = await asyncio.open_connection(sock=sock, limit=16384)
        except OSError:
            outcome.errors += 1
            sock.close()
            return
        try:
            writer.write(b"GET /big HTTP/1.1\r\nHost: bench\r\n\r\n")
            while time.monotonic() < deadline:
                data = await reader.read(16384)
                if not data:
                    outcome.errors += 1  # the server gave up on a live reader
                    return
                read_bytes[0] += len(data)
                await asyncio.sleep(0.25)  # 64 KiB/s
        except OSError:
            outcome.errors += 1
        finally:
            writer.close()

    await gradually(sizes.slow_readers, one)
    outcome.notes["MiB read"] = round(read_bytes[0] / 2**20, 1)
    grown = outcome.rss_max_mib - outcome.rss_before_mib
    outcome.notes["KiB per reader"] = round(grown * 1024 / max(1, sizes.slow_readers), 1)


async def slowloris(server: Watched, sizes: Sizes, outcome: Outcome) -> None:
    deadline = time.monotonic() + sizes.slowloris_seconds
    closed = [0]

    async def one(_: int) -> None:
        try:
            reader, writer = await asyncio.open_connection(HOST, server.port)
        except OSError:
            outcome.errors += 1
            return
        try:
            writer.write(b"GET / HTTP/1.1\r\nHost: bench\r\n")
            while time.monotonic() < deadline:
                writer.write(b"X")
                await writer.drain()
                try:
                    if await asyncio.wait_for(reader.read(1024), 1.0) == b"":
                        closed[0] += 1
                        return
                except asyncio.TimeoutError:
                    pass
                except OSError:
                    closed[0] += 1
                    return
        except OSError:
            closed[0] += 1
        finally:
            writer.close()

    async def probe() -> None:
        while time.monotonic() < deadline:
            await request_loop(server.port, time.monotonic() + 0.01, outcome)
            await asyncio.sleep(0.2)

    began = time.monotonic()
    await asyncio.gather(gradually(sizes.slowloris, one), probe())
    outcome.seconds = time.monotonic() - began
    outcome.notes["slowloris closed by server"] = closed[0]


async def resets(server: Watched, sizes: Sizes, outcome: Outcome) -> None:
    limiter = asyncio.Semaphore(200)
    linger = struct.pack("ii", 1, 0)

    async def one(n: int) -> None:
        async with limiter:
            try:
                reader, writer = await asyncio.open_connection(HOST, server.port)
            except OSError:
                outcome.errors += 1
                return
            sock = writer.get_extra_info("socket")
            try:
                if n % 2:
                    writer.write(
                        b"POST /echo HTTP/1.1\r\nHost: b\r\nContent-Length: 100000\r\n\r\n"
                    )
                    writer.write(b"y" * 1000)
                    await writer.drain()
                else:
                    writer.write(b"GET /big HTTP/1.1\r\nHost: b\r\n\r\n")
                    await reader.readexactly(65536)
            except (OSError, asyncio.IncompleteReadError):
                outcome.errors += 1
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)  # close = RST
            writer.transport.abort()
            outcome.requests += 1

    began = time.monotonic()
    await gradually(sizes.resets, one, batch=500)
    outcome.seconds = time.monotonic() - began
    served = Outcome(outcome.server, "probe")
    await request_loop(server.port, time.monotonic() + 1.0, served)
    outcome.notes["served after"] = served.requests > 0 and not served.errors


async def soak(server: Watched, sizes: Sizes, outcome: Outcome, sampler: Sampler) -> None:
    deadline = time.monotonic() + sizes.soak_minutes * 60
    sampler.every = 10.0
    began = time.monotonic()
    await asyncio.gather(
        *(request_loop(server.port, deadline, outcome) for _ in range(sizes.soak_connections))
    )
    outcome.seconds = time.monotonic() - began
    series = sampler.series[1:]  # after the first sample, under load
    if len(series) >= 2:
        xs = [t / 3600 for t, _ in series]
        ys = [rss for _, rss in series]
        outcome.notes["RSS slope MiB/h"] = round(statistics.linear_regression(xs, ys).slope, 2)


async def sigterm(server: Watched, sizes: Sizes, outcome: Outcome) -> None:
    done = [0]

    async def one(_: int) -> None:
        try:
            reader, writer = await asyncio.open_connection(HOST, server.port)
            writer.write(b"GET /slow HTTP/1.1\r\nHost: b\r\n\r\n")
            await writer.drain()
            status, _ = await read_response(reader)
            if status == 200:
                done[0] += 1
            writer.close()
        except (OSError, asyncio.IncompleteReadError, ValueError):
            outcome.errors += 1

    tasks = [asyncio.ensure_future(one(n)) for n in range(sizes.in_flight)]
    await asyncio.sleep(0.5)  # every request sent and waiting on the 1 s handler
    server.process.send_signal(signal.SIGTERM)
    began = time.monotonic()
    await asyncio.gather(*tasks)
    outcome.seconds = time.monotonic() - began
    outcome.requests = done[0]
    code = await asyncio.get_running_loop().run_in_executor(None, server.process.wait, 35)
    outcome.notes["lost"] = sizes.in_flight - done[0]
    outcome.notes["exit status"] = code


SCENARIOS = ("keepalive", "slow-readers", "slowloris", "resets", "soak", "sigterm")


async def run_scenario(name: str, server: Watched, sizes: Sizes, outcome: Outcome) -> None:
    sampler = Sampler(server, outcome)
    sampling = asyncio.ensure_future(sampler.run())
    try:
        if name == "keepalive":
            await keepalive(server, sizes, outcome)
        elif name == "slow-readers":
            await slow_readers(server, sizes, outcome)
        elif name == "slowloris":
            await slowloris(server, sizes, outcome)
        elif name == "resets":
            await resets(server, sizes, outcome)
        elif name == "soak":
            await soak(server, sizes, outcome, sampler)
        else:
            await sigterm(server, sizes, outcome)
    finally:
        sampling.cancel()
    if name != "sigterm":
        # Let the server settle: descriptors of the closed clients back, memory returned.
        for _ in range(50):
            await asyncio.sleep(0.1)
            if server.fds() <= outcome.notes.get("fds before", 0):  # type: ignore[operator]
                break
        outcome.rss_after_mib = server.rss_mib()
        outcome.fds_after = server.fds()


def measure(server: Server, name: str, sizes: Sizes, logs: Path) -> Outcome:
    outcome = Outcome(server.name, name)
    try:
        watched = Watched(server, logs / f"{server.name}-{name}.log")
    except RuntimeError as error:
        outcome.failure = f"did not start: {error}"
        return outcome
    try:
        time.sleep(0.5)
        outcome.rss_before_mib = watched.rss_mib()
        outcome.notes["fds before"] = watched.fds()
        asyncio.run(run_scenario(name, watched, sizes, outcome))
    except Exception as error:  # a scenario that breaks is reported, the run goes on
        outcome.failure = f"{type(error).__name__}: {error}"
    finally:
        watched.stop()
    return outcome


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def markdown(outcomes: list[Outcome]) -> str:
    lines: list[str] = []
    for scenario in dict.fromkeys(o.scenario for o in outcomes):
        rows = [o.summary() for o in outcomes if o.scenario == scenario]
        keys = list(dict.fromkeys(k for row in rows for k in row if k != "scenario"))
        lines += [f"### {scenario}", "", "| " + " | ".join(keys) + " |"]
        lines.append("|" + "---|" * len(keys))
        for row in rows:
            lines.append("| " + " | ".join(str(row.get(k, "")) for k in keys) + " |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small and short, to try it out")
    parser.add_argument("--only", default="", help="servers, comma-separated")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated")
    parser.add_argument("--soak-minutes", type=float, default=None)
    parser.add_argument("--connections", type=int, default=None, help="keepalive connections")
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    parser.add_argument("--markdown", action="store_true", help="print markdown tables")
    args = parser.parse_args(argv)
    sizes = Sizes.quick() if args.quick else Sizes()
    if args.soak_minutes is not None:
        sizes.soak_minutes = args.soak_minutes
    if args.connections is not None:
        sizes.keepalive_connections = args.connections
    limit = raise_fd_limit()
    if limit < sizes.keepalive_connections * 2 + 100:
        parser.error(f"the fd hard limit ({limit}) is too low for {sizes.keepalive_connections}")
    chosen = [s for s in SERVERS if not args.only or s.name in args.only.split(",")]
    scenarios = [s for s in args.scenarios.split(",") if s]
    unknown = set(scenarios) - set(SCENARIOS)
    if unknown or not chosen:
        parser.error(f"unknown scenarios {sorted(unknown)} or no servers")
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory() as logs:
        for scenario in scenarios:
            for server in chosen:
                print(f"--> {scenario}: {server.name}", file=sys.stderr, flush=True)
                outcome = measure(server, scenario, sizes, Path(logs))
                outcomes.append(outcome)
                print("    " + json.dumps(outcome.summary()), file=sys.stderr, flush=True)
    if args.json:
        args.json.write_text(json.dumps([o.summary() for o in outcomes], indent=2))
    print(markdown(outcomes))
    return 0 if all(o.failure is None for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())

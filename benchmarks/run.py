"""Albany's benchmark: wrk against Albany and the other Python servers, in one run.

Every server serves the same hello-world (``benchmarks/apps``: 200, text/plain,
``Hello, world!``) on 127.0.0.1, one at a time: the server pinned to one core, wrk to
another (``taskset``), a short warm-up run that is thrown away, then the measured
``wrk -t1 -c64 -d{duration}s --latency``. The table gives requests/s, p50 and p99 latency
and the ratio to uvicorn, then the three ratios Albany aims at.

    benchmarks/run                          # everything, 10 s each
    benchmarks/run --duration 5 --only albany-uvloop,uvicorn --json out.json --markdown

A server that does not start, or answers wrongly, is reported as failed; the run goes on.
Only the processes this script starts are ever signalled, by their pid.
"""

from __future__ import annotations

import argparse
import http.client
import importlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Callable, Sequence

from benchmarks.suites import HOST, Server, Target

ROOT = Path(__file__).resolve().parent.parent
BODY = b"Hello, world!"
BASELINE = "uvicorn"
"""What the ratio column divides by, unless a suite names its own ``BASELINE``."""
VERSIONED = "albany uvicorn hypercorn daphne twisted tornado aiohttp uvloop httptools".split()


@dataclass
class Result:
    """One server's measured run, or why it has none."""

    name: str
    description: str
    ok: bool
    requests_per_s: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    requests: int | None = None
    errors: int = 0
    failure: str | None = None


class BenchmarkFailure(Exception):
    """A server could not be measured; the message says why."""


# -- running one server -------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on HOST that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_listening(process: subprocess.Popen[bytes], port: int, timeout: float) -> None:
    """Return once ``port`` accepts connections; fail if the process exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchmarkFailure(f"exited with status {process.returncode} before listening")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise BenchmarkFailure(f"not listening on port {port} after {timeout:g} s")


def check_hello(port: int) -> None:
    """One request: the server must answer 200 with the hello body as text/plain."""
    connection = http.client.HTTPConnection(HOST, port, timeout=5)
    try:
        connection.request("GET", "/")
        response = connection.getresponse()
        body = response.read()
    except (OSError, http.client.HTTPException) as exc:
        raise BenchmarkFailure(f"check request failed: {exc!r}") from exc
    finally:
        connection.close()
    content_type = response.getheader("content-type", "")
    if response.status != 200 or body != BODY or not content_type.startswith("text/plain"):
        raise BenchmarkFailure(
            f"check request answered {response.status} ({content_type}) {body[:60]!r}"
        )


def stop(process: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    """SIGTERM the server by its pid; SIGKILL it if it is still there after ``timeout``."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)


def tail(path: Path, lines: int = 6) -> str:
    """The last lines the server printed, for a failure message."""
    try:
        text = path.read_text(errors="replace").strip()
    except OSError:
        return ""
    return " | ".join(text.splitlines()[-lines:])


# -- wrk ----------------------------------------------------------------------------------

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
LATENCY = re.compile(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", re.MULTILINE)
RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
TOTAL = re.compile(r"^\s*(\d+) requests in", re.MULTILINE)
SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")


@dataclass(frozen=True)
class WrkSettings:
    cpu: str
    threads: int
    connections: int


def wrk(settings: WrkSettings, port: int, seconds: int) -> str:
    """Run wrk against the server for ``seconds``; its output."""
    command = (
        f"taskset -c {settings.cpu} wrk -t{settings.threads} -c{settings.connections}"
        f" -d{seconds}s --latency http://{HOST}:{port}/"
    ).split()
    try:
        finished = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + 30, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchmarkFailure(f"wrk did not finish within {seconds + 30} s") from exc
    if finished.returncode != 0:
        raise BenchmarkFailure(f"wrk failed: {finished.stderr.strip() or finished.stdout.strip()}")
    return finished.stdout


@dataclass(frozen=True)
class WrkNumbers:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


def parse_wrk(output: str) -> WrkNumbers:
    """requests/s, p50 and p99 in ms, requests and errors from wrk's ``--latency`` output."""
    rate = RATE.search(output)
    latencies = {q: float(v) * UNITS_MS[unit] for q, v, unit in LATENCY.findall(output)}
    total = TOTAL.search(output)
    if rate is None or set(latencies) != {"50", "99"} or total is None:
        raise BenchmarkFailure(f"cannot parse wrk's output: {output.strip()!r}")
    socket_errors = SOCKET_ERRORS.search(output)
    non_2xx = NON_2XX.search(output)
    errors = sum(map(int, socket_errors.groups())) if socket_errors else 0
    errors += int(non_2xx.group(1)) if non_2xx else 0
    return WrkNumbers(
        requests_per_s=float(rate.group(1)),
        p50_ms=latencies["50"],
        p99_ms=latencies["99"],
        requests=int(total.group(1)),
        errors=errors,
    )


# -- the run ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    duration: int
    warmup: int
    server_cpu: str
    wrk: WrkSettings
    start_timeout: float


def start_server(server: Server, port: int, cpu: str, output: Path) -> subprocess.Popen[bytes]:
    """``server`` on ``port``, pinned to ``cpu``, from the checkout, its output in ``output``."""
    path = os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))
    with output.open("wb") as sink:
        return subprocess.Popen(
            ["taskset", "-c", cpu, *server.argv(port)],
            cwd=ROOT,
            env=dict(os.environ, PYTHONPATH=path),
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def measure(server: Server, settings: Settings, log: Callable[[str], None]) -> Result:
    """Start the server, check it, warm it up, measure it, stop it."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="albany-bench-") as scratch:
        output = Path(scratch) / "server.log"
        process = start_server(server, port, settings.server_cpu, output)
        try:
            wait_listening(process, port, settings.start_timeout)
            check_hello(port)
            if settings.warmup > 0:
                wrk(settings.wrk, port, settings.warmup)
            numbers = parse_wrk(wrk(settings.wrk, port, settings.duration))
            if process.poll() is not None:
                raise BenchmarkFailure(f"exited with status {process.returncode} during the run")
        except BenchmarkFailure as exc:
            printed = tail(output)
            reason = f"{exc}" + (f" (server output: {printed})" if printed else "")
            log(f"  {server.name}: FAILED: {reason}")
            return Result(server.name, server.description, ok=False, failure=reason)
        finally:
            stop(process)
    result = Result(server.name, server.description, ok=True, **asdict(numbers))
    log(
        f"  {server.name}: {result.requests_per_s:,.0f} req/s, p50 {result.p50_ms:.2f} ms, "
        f"p99 {result.p99_ms:.2f} ms" + (f", {result.errors} errors" if result.errors else "")
    )
    return result


def ratio(results: dict[str, Result], numerator: str, denominator: str) -> float | None:
    top, bottom = results.get(numerator), results.get(denominator)
    if top is None or bottom is None or not (top.ok and bottom.ok):
        return None
    assert top.requests_per_s is not None and bottom.requests_per_s
    return top.requests_per_s / bottom.requests_per_s


# -- reporting ----------------------------------------------------------------------------


def rows(results: Sequence[Result], baseline: str) -> tuple[list[str], list[list[str]]]:
    by_name = {result.name: result for result in results}
    header = ["server", "req/s", "p50", "p99", f"× {baseline}", "errors"]
    table = []
    for result in results:
        if not result.ok:
            table.append([result.name, "failed", "", "", "", ""])
            continue
        to_baseline = ratio(by_name, result.name, baseline)
        table.append(
            [
                result.name,
                f"{result.requests_per_s:,.0f}",
                f"{result.p50_ms:.2f} ms",
                f"{result.p99_ms:.2f} ms",
                "n/a" if to_baseline is None else f"{to_baseline:.2f}",
                str(result.errors),
            ]
        )
    return header, table


def target_rows(
    results: Sequence[Result], targets: Sequence[Target]
) -> tuple[list[str], list[list[str]]]:
    by_name = {result.name: result for result in results}
    header = ["target", "ratio", "goal", "met"]
    table = []
    for target in targets:
        value = ratio(by_name, target.numerator, target.denominator)
        met = "n/a" if value is None else ("yes" if value >= target.goal else "no")
        shown = "n/a" if value is None else f"{value:.2f}"
        table.append([target.label, shown, f"≥ {target.goal:g}", met])
    return header, table


def text_table(header: list[str], table: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [header, *table]) for i in range(len(header))]

    def line(row: list[str]) -> str:
        cells = [
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, table)])


def markdown_table(header: list[str], table: list[list[str]]) -> str:
    align = ["---"] + ["---:"] * (len(header) - 1)
    return "\n".join("| " + " | ".join(row) + " |" for row in [header, align, *table])


def versions() -> dict[str, str]:
    found = {}
    for name in VERSIONED:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def environment(settings: Settings) -> dict[str, object]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "server_cpu": settings.server_cpu,
        "wrk_cpu": settings.wrk.cpu,
        "wrk": f"wrk -t{settings.wrk.threads} -c{settings.wrk.connections} "
        f"-d{settings.duration}s --latency",
        "warmup_s": settings.warmup,
        "load_average_at_start": list(os.getloadavg()),
        "versions": versions(),
    }


# -- command line -------------------------------------------------------------------------


def load_suite(name: str) -> ModuleType:
    """``benchmarks/suites/NAME.py``: its ``SERVERS`` and ``TARGETS``."""
    try:
        return importlib.import_module(f"benchmarks.suites.{name}")
    except ModuleNotFoundError:
        suites = sorted(p.stem for p in Path(__file__).with_name("suites").glob("[a-z]*.py"))
        raise SystemExit(
            f"run.py: unknown suite {name!r}; choose from {', '.join(suites)}"
        ) from None


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benchmarks/run",
        description="wrk against Albany and the other Python servers, in one run.",
    )
    parser.add_argument("--suite", default="core", help="benchmarks/suites/NAME.py (default core)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of each measured run")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of the discarded warm-up")
    parser.add_argument("--only", default=None, help="comma-separated server names to run")
    parser.add_argument("--json", type=Path, default=None, help="write the results to this file")
    parser.add_argument("--markdown", action="store_true", help="print markdown tables")
    parser.add_argument("--connections", type=int, default=64, help="wrk -c (default 64)")
    parser.add_argument(
        "--server-cpu", default=None, help="taskset CPU list for the servers (default 0)"
    )
    parser.add_argument("--wrk-cpu", default=None, help="taskset CPU list for wrk (default 1)")
    parser.add_argument(
        "--start-timeout", type=float, default=30.0, help="seconds a server may take to listen"
    )
    args = parser.parse_args(argv)
    if args.duration < 1 or args.warmup < 0:
        parser.error("--duration must be at least 1 and --warmup at least 0")
    args.suite_module = load_suite(args.suite)
    names = [server.name for server in args.suite_module.SERVERS]
    if args.only:
        args.only = [name.strip() for name in args.only.split(",") if name.strip()]
        unknown = sorted(set(args.only) - set(names))
        if unknown:
            parser.error(f"unknown server(s) {', '.join(unknown)}; choose from {', '.join(names)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    missing = [tool for tool in ("wrk", "taskset") if shutil.which(tool) is None]
    if missing:
        needed = ", ".join(missing)
        print(f"run.py: {needed} not found (benchmarks/run installs wrk)", file=sys.stderr)
        return 2
    # A suite may place its servers and wrk itself (workers: both on every core).
    server_cpu = args.server_cpu or getattr(args.suite_module, "SERVER_CPU", "0")
    wrk_cpu = args.wrk_cpu or getattr(args.suite_module, "WRK_CPU", "1")
    settings = Settings(
        duration=args.duration,
        warmup=args.warmup,
        server_cpu=server_cpu,
        wrk=WrkSettings(cpu=wrk_cpu, threads=1, connections=args.connections),
        start_timeout=args.start_timeout,
    )
    servers: Sequence[Server] = args.suite_module.SERVERS
    targets: Sequence[Target] = args.suite_module.TARGETS
    chosen = [s for s in servers if not args.only or s.name in args.only]

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    env = environment(settings)
    log(
        f"{len(chosen)} servers on CPU {settings.server_cpu}, wrk on CPU {settings.wrk.cpu}: "
        f"{env['wrk']} after a {settings.warmup} s warm-up ({env['cpus']} CPUs, "
        f"Python {env['python']})"
    )
    results = [measure(server, settings, log) for server in chosen]
    env["load_average_at_end"] = list(os.getloadavg())

    header, table = rows(results, getattr(args.suite_module, "BASELINE", BASELINE))
    goals_header, goals = target_rows(results, targets)
    render = markdown_table if args.markdown else text_table
    print()
    print(render(header, table))
    print()
    print(render(goals_header, goals))
    failed = [r for r in results if not r.ok]
    for result in failed:
        print(f"\n{result.name} failed: {result.failure}")

    if args.json is not None:
        document = {
            "environment": env,
            "command": " ".join(["benchmarks/run", *(argv if argv is not None else sys.argv[1:])]),
            "results": [asdict(result) for result in results],
            "targets": [
                {
                    **asdict(target),
                    "ratio": ratio(
                        {r.name: r for r in results}, target.numerator, target.denominator
                    ),
                }
                for target in targets
            ],
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n")
        log(f"results written to {args.json}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

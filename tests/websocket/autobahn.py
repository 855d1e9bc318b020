"""The Autobahn test-suite cases, run by kosoku against the echo app on one loop.

``python -m tests.websocket.autobahn --loop asyncio [--all] [-i CASE] [-x CASE]`` prints
the outcome per behaviour; ``test_autobahn.py`` runs the core cases on every loop.
Keepalive pings are off for the run: kosoku ends a case that receives an unexpected ping.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Sequence

from albany.testing import LiveServer

ROOT_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ECHO = "tests.websocket.apps:echo"
SERVER_ARGS = ("--ws-ping-interval", "0", "--no-access-log")
SLOW = ("9.*", "12.*", "13.*")
"""Performance (9) and compression (12, 13) cases: minutes per loop, not seconds."""


def kosoku_command() -> list[str] | None:
    """How to run kosoku here, or None when it is not installed."""
    path = shutil.which("kosoku") or os.path.join(os.path.dirname(sys.executable), "kosoku")
    return [path] if os.path.exists(path) else None


def run_cases(
    server: LiveServer,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    parallelism: int = 2,
    timeout: float = 1800,
) -> dict[str, dict[str, object]]:
    """Run the selected cases against ``server``; each case's report (behavior, close...)."""
    command = kosoku_command()
    assert command is not None, "kosoku is not installed"
    with tempfile.TemporaryDirectory() as outdir:
        args = [*command, "-p", str(parallelism), "-o", outdir]
        args += [a for case in include for a in ("-i", case)]
        args += [a for case in exclude for a in ("-x", case)]
        subprocess.run(
            [*args, f"{server.host}:{server.port}"], capture_output=True, timeout=timeout
        )
        with open(os.path.join(outdir, "index.json"), encoding="utf-8") as f:
            index = json.load(f)
    results: dict[str, dict[str, object]] = next(iter(index.values()))
    return results


def summary(results: dict[str, dict[str, object]]) -> dict[str, int]:
    """How many cases ended in each behaviour (OK, NON-STRICT, INFORMATIONAL, FAILED...)."""
    counts = collections.Counter(str(r["behavior"]) for r in results.values())
    closes = collections.Counter(str(r["behaviorClose"]) for r in results.values())
    counts.update({f"close {k}": v for k, v in closes.items() if k not in ("OK", "INFORMATIONAL")})
    return dict(sorted(counts.items()))


def failures(results: dict[str, dict[str, object]]) -> list[str]:
    bad = ("FAILED", "WRONG CODE", "UNCLEAN")
    return sorted(
        case for case, r in results.items() if r["behavior"] in bad or r["behaviorClose"] in bad
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--loop", action="append", help="loop(s) to run on; default: all five")
    parser.add_argument("--all", action="store_true", help="include the 9, 12 and 13 cases")
    parser.add_argument("-i", "--include", action="append", default=[])
    parser.add_argument("-x", "--exclude", action="append", default=[])
    parser.add_argument("-p", "--parallelism", type=int, default=2)
    args = parser.parse_args(argv)
    exclude = list(args.exclude) + ([] if args.all or args.include else list(SLOW))
    status = 0
    for loop in args.loop or ["asyncio", "uvloop", "twisted", "twisted-asyncio", "tornado"]:
        with LiveServer(ECHO, loop, SERVER_ARGS, app_dir=ROOT_DIR) as server:
            started = time.monotonic()
            results = run_cases(server, args.include, exclude, args.parallelism)
            elapsed = time.monotonic() - started
        bad = failures(results)
        status |= bool(bad)
        print(f"{loop}: {len(results)} cases in {elapsed:.0f} s: {summary(results)}")
        if bad:
            print(f"  failed: {', '.join(bad)}")
    return status


if __name__ == "__main__":
    sys.exit(main())

"""twisted.web's own tests, with Twisted's ``Site`` and with ``albany_twisted_web.Site``.

    python -m tests.framework_suites.twisted_web_suite [--quick] [--reactors default,asyncio]

Each side is one pytest run, in a subprocess, of the ``twisted.web.test`` modules that
build a ``Site`` and talk to it, from the installed Twisted package, on one reactor:
``twisted-<reactor>`` with Twisted's own ``Site`` (the reference) and ``albany-<reactor>``
with ``twisted.web.server.Site`` replaced by the drop-in (see ``twisted_web_dropin``).
The report compares each Albany side with the reference on its reactor, and the exit
status is 1 when a test fails only on Albany for no reason listed in ``KNOWN``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.framework_suites.report import Side, read_junit, render

ROOT = Path(__file__).resolve().parents[2]

MODULES = (
    "test_web",
    "test_http",
    "test_proxy",
    "test_distrib",
    "test_xmlrpc",
    "test_websocket",
    "test_wsgi",
    "test_vhost",
    "test_template",
    "test_cgi",
    "test_tap",
    "test_static",
    "test_util",
    "test_resource",
    "test_script",
)
"""The modules whose tests build a ``Site`` (listening, or fed through a transport), and
those of the resources a ``Site`` serves (static, util, resource, script)."""

QUICK = ("test_web", "test_proxy", "test_distrib", "test_xmlrpc", "test_websocket")
"""The subset closest to the drop-in: the Site itself, and servers clients talk to."""

REACTORS = ("default", "asyncio")
"""The reactors each pair of sides runs on."""

_GUIDE = "docs/guides/twisted-web.md"

KNOWN: dict[str, str] = {
    "test_web::ConditionalTests::*": (
        f"{_GUIDE}, Differences, 'Stricter parsing' and 'The connection is not an "
        "HTTPChannel': its HTTP/1.1 requests have no Host (400), fed through "
        "twisted.web.http.StringTransport, a BytesIO with no producer API"
    ),
    "test_proxy::ReverseProxyResourceTests::*": (
        f"{_GUIDE}, Differences, 'Stricter parsing': its HTTP/1.1 requests have no Host "
        "field, answered 400"
    ),
    "test_web::TestRFC9112Section932::*": (
        f"{_GUIDE}, Differences, 'One timer per connection': the test leaves its connection "
        "open, with the keep-alive timer armed, and trial reports the reactor unclean"
    ),
    "test_websocket::WebSocketTests::test_backpressure": (
        f"{_GUIDE}, section 5, 'Back-pressure': asserts the producer is registered on the TCP "
        "transport (Twisted's private wiring); Albany pauses it through its own flow control"
    ),
}
"""Test-id glob -> why the test is expected to fail on Albany only."""


def test_files(quick: bool) -> list[str]:
    """The paths of the chosen modules in the installed Twisted package (those present)."""
    import twisted.web.test

    here = Path(twisted.web.test.__file__).parent
    paths = [here / f"{module}.py" for module in (QUICK if quick else MODULES)]
    return [str(path) for path in paths if path.exists()]


def short_ids(outcomes: dict[str, str]) -> dict[str, str]:
    """``twisted.web.test.test_web.Class::test`` as ``test_web::Class::test``."""
    result: dict[str, str] = {}
    for test, outcome in outcomes.items():
        dotted, _, name = test.partition("::")
        module, _, cls = dotted.removeprefix("twisted.web.test.").partition(".")
        result["::".join(part for part in (module, cls, name) if part)] = outcome
    return result


def run_side(site: str, reactor: str, files: list[str], workdir: Path) -> Side:
    """One pytest run of ``files`` with ``site`` (twisted or albany) on ``reactor``."""
    name = f"{site}-{reactor}"
    report = workdir / f"{name}.xml"
    ini = workdir / "pytest.ini"  # Twisted's tests under pytest's defaults, not Albany's settings
    ini.write_text("[pytest]\n")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "adapters"), str(ROOT), env.get("PYTHONPATH", "")]
    )
    env["ALBANY_TWISTED_WEB_SITE"] = site
    env["ALBANY_TWISTED_WEB_REACTOR"] = reactor
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "tests.framework_suites.twisted_web_dropin",
        "-c",
        str(ini),
        f"--junitxml={report}",
        "--rootdir",
        str(Path(files[0]).parents[3]),
        "--timeout=60",
        "--continue-on-collection-errors",
        *files,
    ]
    subprocess.run(command, cwd=workdir, env=env, stdout=subprocess.DEVNULL, check=False)
    return Side(name, short_ids(read_junit(report)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only " + ", ".join(QUICK))
    parser.add_argument(
        "--reactors", default=",".join(REACTORS), help="reactors to run on, comma-separated"
    )
    args = parser.parse_args(argv)
    reactors = [name for name in args.reactors.split(",") if name]
    unknown = set(reactors) - set(REACTORS)
    if unknown:
        parser.error(f"unknown reactors: {', '.join(sorted(unknown))}")
    files = test_files(args.quick)
    unexplained = 0
    with tempfile.TemporaryDirectory() as workdir:
        for reactor in reactors:
            reference = run_side("twisted", reactor, files, Path(workdir))
            albany = run_side("albany", reactor, files, Path(workdir))
            table, missing = render(f"twisted.web ({reactor} reactor)", reference, [albany], KNOWN)
            print(table, flush=True)
            unexplained += missing
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())

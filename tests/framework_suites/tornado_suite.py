"""Tornado's own server tests, on Tornado's ``HTTPServer`` and on ``albany_tornado.HTTPServer``.

    python -m tests.framework_suites.tornado_suite [--quick] [--sides asyncio,tornado,twisted]

Each side is one pytest run, in a subprocess, of the ``tornado.test`` modules that start
servers, from the installed Tornado package. The reference side (``tornado``, always run)
is Tornado's own server; each Albany side (``albany-BACKEND``) loads
``tests.framework_suites.tornado_dropin`` with the backend it names. The report compares
every side with the reference, and the exit status is 1 when a test fails only on Albany
for no reason listed in ``KNOWN``.
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
    "httpserver_test",
    "web_test",
    "websocket_test",
    "simple_httpclient_test",
    "httpclient_test",
    "routing_test",
    "wsgi_test",
    "auth_test",
    "testing_test",
    "gen_test",
    "asyncio_test",
    "iostream_test",
    "security_corpus_test",
)
"""The modules whose tests start an ``HTTPServer`` (through ``AsyncHTTPTestCase`` or by hand)."""

QUICK = ("httpserver_test", "websocket_test", "routing_test", "wsgi_test")
"""The subset closest to the drop-in: the server itself, WebSocket, routing, WSGI."""

ALBANY_SIDES = ("asyncio", "tornado", "twisted")
"""The backends ``albany_tornado.HTTPServer`` is run on (``backend=``)."""

_GUIDE = "docs/guides/tornado.md"

TEST_TIMEOUT = 60
"""Seconds one test may take (pytest-timeout); Tornado's own tests take a few at most."""

_PRIVATE = "Tornado private internals"


def _guide(line: str) -> str:
    return f"documented in {_GUIDE}: {line}"


_MALFORMED = _guide("A malformed request … is answered by Albany … before Tornado sees it")
_STREAM = _guide("`detach()` is not available, and `request.connection.stream` is `None`")
_BROKEN = _guide("A response that cannot be completed as written … Albany also logs it")
_SERVER_DATE = _guide("`Server` and `Date` are Albany's … every response Albany writes")
_FRAMING = _guide("`Connection` and `Transfer-Encoding` are Albany's framing")

KNOWN: dict[str, str] = {
    # the server itself
    "tornado.test.httpserver_test.HTTPConnectionTest::test_newlines": _guide(
        "Albany's parser is the stricter: a bare LF as a line end … is refused"
    ),
    "tornado.test.httpserver_test.HTTPServerRawTest::test_chunked_request_body_*": _MALFORMED,
    "tornado.test.httpserver_test.HTTPServerRawTest::test_content_length_list_whitespace": (
        _MALFORMED
    ),
    "tornado.test.httpserver_test.HTTPServerRawTest::test_invalid_content_length": _MALFORMED,
    "tornado.test.httpserver_test.HTTPServerRawTest::test_invalid_methods": _MALFORMED,
    # Albany's Host check answers the 400 itself: Tornado's "Invalid Host header" log never comes
    "tornado.test.httpserver_test.HTTPServerRawTest::test_invalid_host_header_*": _MALFORMED,
    "tornado.test.httpserver_test.HTTPServerRawTest::test_malformed_*": _MALFORMED,
    "tornado.test.httpserver_test.UnixSocketTest*::test_unix_socket_bad_request": _MALFORMED,
    "tornado.test.httpserver_test.BodyLimitsTest::test_body_size_override_reset": _SERVER_DATE,
    "tornado.test.httpserver_test.BodyLimitsTest::test_timeout": _guide(
        "`body_timeout`: a body that has not arrived in time is answered `408`"
    ),
    "tornado.test.httpserver_test.KeepAliveTest::test_http10_keepalive*": _FRAMING,
    "tornado.test.httpserver_test.KeepAliveTest::test_keepalive_chunked": _FRAMING,
    "tornado.test.simple_httpclient_test.ChunkedWithContentLengthTest::*": _FRAMING,
    "tornado.test.httpserver_test.InvalidOutputContentLengthTest::*": _guide(
        "An exception raised by a delegate itself … the client gets a `500`"
    ),
    "tornado.test.httpserver_test.SSLTest::test_error_logging": _guide(
        "a failed TLS handshake … is not logged as Tornado's `SSL Error` line"
    ),
    "tornado.test.httpserver_test.SSLTest::test_non_ssl_request": _guide(
        "a failed TLS handshake … is not logged as Tornado's `SSL Error` line"
    ),
    "tornado.test.web_test.IncorrectContentLengthTest::*": _BROKEN,
    # handlers that write raw bytes to Tornado's IOStream, to play an odd server to the client
    "tornado.test.web_test.ClientCloseTest::test_client_close": _STREAM,
    "tornado.test.simple_httpclient_test.HTTP100ContinueTestCase::*": _STREAM,
    "tornado.test.simple_httpclient_test.HTTP1xxLimitTestCase::*": _STREAM,
    "tornado.test.simple_httpclient_test.HTTP204NoContentTestCase::*": _STREAM,
    "tornado.test.simple_httpclient_test.MaxBodySizeUntilCloseTest::*": _STREAM,
    "tornado.test.simple_httpclient_test.MaxBufferSizeUntilCloseTest::*": _STREAM,
    "tornado.test.simple_httpclient_test.*::test_multiple_content_length_accepted": _STREAM,
    "tornado.test.simple_httpclient_test.*::test_no_content_length": _STREAM,
    # the suite's Twisted side
    "tornado.test.httpclient_test.SyncHTTPClientTest::*": _guide(
        '`backend="twisted"` serves on the loop Twisted\'s reactor runs on, one per process'
    )
    + " (the test starts its server in a thread, on a loop of its own)",
    "tornado.test.simple_httpclient_test.HostnameMappingTestCase::test_hostname_mapping": (
        "the suite's Twisted side shares one loop across tests (one reactor per process): "
        "AsyncHTTPClient keeps one instance per loop, so the test's client with its "
        "hostname_mapping is an earlier test's, without it"
    ),
    # WebSocket
    "tornado.test.websocket_test.FloodTest::test_pong_most_recent_ping": (
        _PRIVATE + ": replaces WebSocketProtocol13._write_frame"
    ),
}
"""Test-id glob -> why the test is expected to fail on Albany only."""


def test_files(quick: bool) -> list[str]:
    """The paths of the chosen modules in the installed Tornado package."""
    import tornado.test

    here = Path(tornado.test.__file__).parent
    return [str(here / f"{module}.py") for module in (QUICK if quick else MODULES)]


def run_side(backend: str | None, files: list[str], workdir: Path) -> Side:
    """One pytest run of ``files``: Tornado's own server when ``backend`` is None, else the
    drop-in on that Albany backend."""
    name = "tornado" if backend is None else f"albany-{backend}"
    report = workdir / f"{name}.xml"
    ini = workdir / "pytest.ini"  # Tornado's tests under pytest's defaults, not Albany's settings
    ini.write_text("[pytest]\n")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "adapters"), str(ROOT), env.get("PYTHONPATH", "")]
    )
    env.pop("ALBANY_TORNADO_BACKEND", None)
    if backend is not None:
        env["ALBANY_TORNADO_BACKEND"] = backend
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "tests.framework_suites.tornado_dropin",
        "-c",
        str(ini),
        f"--junitxml={report}",
        f"--timeout={TEST_TIMEOUT}",  # a test that hangs fails, and the run goes on
        "--rootdir",
        str(Path(files[0]).parents[2]),
        *files,
    ]
    subprocess.run(command, cwd=workdir, env=env, stdout=subprocess.DEVNULL, check=False)
    return Side(name, read_junit(report))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only " + ", ".join(QUICK))
    parser.add_argument(
        "--sides",
        default=",".join(ALBANY_SIDES),
        help="the Albany backends to compare with Tornado's own server (always run)",
    )
    args = parser.parse_args(argv)
    names = [name for name in args.sides.split(",") if name]
    unknown = set(names) - set(ALBANY_SIDES)
    if unknown:
        parser.error(f"unknown sides: {', '.join(sorted(unknown))}")
    files = test_files(args.quick)
    with tempfile.TemporaryDirectory() as workdir:
        reference = run_side(None, files, Path(workdir))
        albany = [run_side(name, files, Path(workdir)) for name in names]
    table, unexplained = render("Tornado", reference, albany, KNOWN)
    print(table)
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())

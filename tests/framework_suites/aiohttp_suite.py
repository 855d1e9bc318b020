"""aiohttp's own functional tests, on aiohttp's server and through Albany, compared.

``python -m tests.framework_suites.aiohttp_suite [--quick] [--sides aiohttp,albany-asyncio,…]``

The tests are those of the installed aiohttp's sdist (downloaded once with ``pip
download`` into ``$XDG_CACHE_HOME/albany/framework-suites``, or ``~/.cache``), with
their extra test dependencies (``aiohttp_requirements.txt``) installed beside them,
outside the virtualenv. Each side is one pytest subprocess in the unpacked sdist:
``aiohttp`` as it ships, ``albany-asyncio`` and ``albany-twisted`` with
``aiohttp_plugin`` serving every ``TestServer`` through Albany on that backend.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import aiohttp

from tests.framework_suites.report import Side, read_junit, render

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
REQUIREMENTS = HERE / "aiohttp_requirements.txt"
SIDES = {"aiohttp": None, "albany-asyncio": "asyncio", "albany-twisted": "twisted"}
"""Each side's name and the Albany backend it serves on (None: aiohttp's own server)."""

QUICK = [
    "tests/test_web_functional.py",
    "tests/test_web_server.py",
    "tests/test_web_middleware.py",
    "tests/test_web_urldispatcher.py",
]
FULL = QUICK + [
    "tests/test_web_sendfile_functional.py",
    "tests/test_web_websocket_functional.py",
    "tests/test_client_functional.py",
    "tests/test_client_ws_functional.py",
    "tests/test_client_middleware.py",
    "tests/test_client_middleware_digest_auth.py",
    "tests/test_client_session.py",
    "tests/test_connector.py",
    "tests/test_test_utils.py",
    "tests/test_web_app.py",
    "tests/test_web_exceptions.py",
    "tests/test_web_log.py",
    "tests/test_formdata.py",
]

_GUIDE = "docs/guides/aiohttp.md"
_PRIVATE = "aiohttp private internals"
_FUNCTIONAL = "tests.test_web_functional::"
_SERVER = "tests.test_web_server::"
KNOWN: dict[str, str] = {
    f"{_FUNCTIONAL}test_http10_keep_alive_*": f"{_GUIDE}: the status line is always HTTP/1.1",
    f"{_FUNCTIONAL}test_large_header[[]*": (
        f"{_GUIDE}: request heads are limited by Albany's --limit-* settings, not aiohttp's "
        "max_field_size"
    ),
    f"{_FUNCTIONAL}test_bad_method_for_c_http_parser_not_hangs*": (
        f"{_GUIDE}: any RFC 9110 token is a method (GET1 reaches the router)"
    ),
    f"{_FUNCTIONAL}test_http1_pipelined_behind_declined_upgrade_served_once*": (
        f"{_GUIDE}: Upgrade: websocket is a handshake Albany checks (an invalid one is "
        "answered by Albany, never declined by the app)"
    ),
    f"{_FUNCTIONAL}test_bad_pipelined_data_behind_declined_upgrade_answers_400*": (
        f"{_GUIDE}: Upgrade: websocket is a handshake Albany checks (426 from Albany)"
    ),
    f"{_FUNCTIONAL}test_declined_websocket_upgrade_reads_body*": (
        f"{_GUIDE}: Upgrade: websocket is a handshake Albany checks (400 from Albany)"
    ),
    f"{_FUNCTIONAL}test_http1_pipelined_requests_are_count_limited*": (
        f"{_PRIVATE}: patches RequestHandler.data_received and reads _messages (pipelining "
        f"is Albany's, {_GUIDE})"
    ),
    f"{_FUNCTIONAL}test_http1_pipelined_queue_resumes_after_drain*": (
        f"{_PRIVATE}: patches RequestHandler._resume_reading_if_drained (pipelining is Albany's)"
    ),
    f"{_FUNCTIONAL}test_upgrade_tail_*": (
        f"{_PRIVATE}: patches RequestHandler.data_received and reads _message_tail and "
        "_buffer_paused (reading is Albany's)"
    ),
    f"{_FUNCTIONAL}test_unread_compressed_body_drain_is_bounded*": (
        f"{_PRIVATE}: watches aiohttp's lingering close through StreamReader.readany; Albany "
        f"discards an unread body undecoded ({_GUIDE})"
    ),
    f"{_FUNCTIONAL}test_keepalive_expires_on_time*": (
        f"{_PRIVATE}: RequestHandler._keepalive_handle and server.handler.connections (the "
        "keep-alive timer is Albany's)"
    ),
    f"{_SERVER}test_no_future_warning_on_disconnect_during_backpressure*": (
        f"{_PRIVATE}: polls request.protocol.writing_paused (write flow control is Albany's; "
        "tests/adapters/aiohttp/test_handling.py checks the same disconnect)"
    ),
    f"{_SERVER}test_idle_connection_closed_before_first_request*": (
        f"{_PRIVATE}, by way of the test before it: a raw server test (aiohttp's own), failing "
        "at teardown on the client connection test_no_future_warning_on_disconnect_during_"
        "backpressure leaves open when it fails"
    ),
}
_CLIENT = "tests.test_client_functional::"
_CLIENT_WS = "tests.test_client_ws_functional::"
_WEB_WS = "tests.test_web_websocket_functional::"
_LOWER = f"{_GUIDE}: request header names are lower-case when request.headers is iterated"
_FRAMING = f"{_GUIDE}: response framing is Albany's"
_EXTRA = f"{_GUIDE}: get_extra_info has no socket or ssl_object (the socket is Albany's)"
_NO_TRANSPORT = f"{_GUIDE}: request.transport.write is refused (frames are Albany's)"
_PINGS = f"{_GUIDE} (WebSocket): Albany answers every ping itself"
_GAVE_UP = f"{_GUIDE} (WebSocket): a session aiohttp gave up on is closed with 1011"
_UPGRADES = f"{_GUIDE}: only a WebSocket upgrade is served; a refused handshake closes"
KNOWN.update(
    {
        f"{_CLIENT}test_host_header_first*": _LOWER,
        f"{_CLIENT}test_session_auth*": _LOWER,
        f"{_CLIENT}test_netrc_auth_*": _LOWER,
        f"{_CLIENT}test_session_headers*": _LOWER,
        "tests.test_client_middleware::test_client_middleware_multiple_instances*": _LOWER,
        "tests.test_client_middleware::test_middleware_can_check_request_body*": _LOWER,
        f"{_CLIENT}test_raw_headers*": f"{_FRAMING} (its fields lower-case, in its order)",
        f"{_CLIENT}test_empty_header_values*": f"{_FRAMING} (its fields lower-case, in its order)",
        f"{_CLIENT}test_chunked[[]*": f"{_FRAMING} (a one-piece body gets Content-Length)",
        f"{_CLIENT}test_bad_payload_chunked_encoding*": f"{_FRAMING} (chunk bytes are body)",
        f"{_CLIENT}test_bad_payload_content_length*": (
            f"{_FRAMING} (a body not matching Content-Length is refused)"
        ),
        f"{_CLIENT}test_timeout_on_reading_data*": (
            f"{_FRAMING} (a body short of its Content-Length is refused: closed, not stalled)"
        ),
        f"{_CLIENT}test_ssl_client_alpn*": _EXTRA,
        "tests.test_web_sendfile_functional::test_static_file_huge_*": _EXTRA,
        f"{_CLIENT}test_upgrade_connection_not_released_after_read*": _UPGRADES,
        f"{_WEB_WS}test_pipelined_request_after_*": _UPGRADES,
        f"{_WEB_WS}test_partial_pipelined_request_after_failed_websocket_upgrade*": _UPGRADES,
        f"{_WEB_WS}test_stalled_parser_outlives_connection_lost*": (
            f"{_PRIVATE}: feeds RequestHandler.data_received (frames are Albany's)"
        ),
        f"{_WEB_WS}test_heartbeat_connection_closed*": (
            f"{_PRIVATE}: patches the response's _req.transport.write"
        ),
        f"{_WEB_WS}test_heartbeat_failure_ends_receive*": _GAVE_UP,
        f"{_CLIENT_WS}test_heartbeat_no_pong*": _PINGS,
        f"{_CLIENT_WS}test_recv_protocol_error*": _NO_TRANSPORT,
        f"{_CLIENT_WS}test_client_rejects_compressed_frame_without_negotiation*": _NO_TRANSPORT,
        f"{_CLIENT_WS}test_peer_connection_lost*": (
            f"{_GUIDE} (WebSocket): a handler closing request.transport ends the session with "
            "1011, not a dropped connection"
        ),
        f"{_CLIENT_WS}test_heartbeat_does_not_timeout_while_receiving_large_frame*": (
            _NO_TRANSPORT
        ),
        f"{_CLIENT_WS}test_override_default_headers*": (
            f"{_GUIDE}: Upgrade: websocket is a handshake Albany checks (version 8 is a 426)"
        ),
        f"{_CLIENT_WS}test_close_timeout_*": (
            f"{_GUIDE} (WebSocket): the client's close frame is answered by Albany at once"
        ),
        f"{_WEB_WS}test_abnormal_closure_when_server_does_not_receive*": (
            f"{_GUIDE} (WebSocket): Albany's close timeout applies beside aiohttp's timeout="
        ),
        **{
            glob: f"{_GUIDE}: on Twisted, TLS takes certificate files, not an ssl.SSLContext "
            "(albany-twisted only)"
            for glob in (
                f"{_CLIENT}test_ssl_client*",
                f"{_CLIENT}test_aiohttp_request_ssl*",
                f"{_CLIENT}test_tcp_connector_fingerprint_*",
                f"{_CLIENT}test_drop_auth_on_redirect_to_other_host[[]*https*",
                f"{_CLIENT}test_auth_persist_on_redirect_to_other_host_with_global_auth*",
                f"{_CLIENT}test_server_hostname_override_not_reused*",
                f"{_CLIENT}test_aiohttp_request_ctx_manager_close_sess_on_error*",
                f"{_CLIENT}test_error_in_performing_request*",
                "tests.test_connector::test_tcp_connector_*raise_connector_ssl_error*",
                "tests.test_connector::test_start_tls_with_zero_total_timeout*",
                "tests.test_web_sendfile_functional::test_static_file_ssl*",
            )
        },
        "tests.test_web_log::test_contextvars_logger*": (
            f"{_GUIDE}: the access log is Albany's, not aiohttp's AccessLogger"
        ),
        "tests.test_web_log::test_logger_does_not_log_when_enabled_post_init*": (
            f"{_PRIVATE}: server.handler.connections[0]._force_close"
        ),
    }
)
"""Test-id glob -> why it fails through Albany only (a guide line, or aiohttp's internals)."""


def cache_dir() -> Path:
    """Where the sdist and the test dependencies are kept (outside git)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "albany" / "framework-suites" / f"aiohttp-{aiohttp.__version__}"


def prepare(cache: Path) -> tuple[Path, Path]:
    """The unpacked sdist and the dependencies' directory, fetched when missing."""
    version = aiohttp.__version__
    source = cache / f"aiohttp-{version}"
    deps = cache / "deps"
    if not (source / "tests").is_dir():
        cache.mkdir(parents=True, exist_ok=True)
        pip = [sys.executable, "-m", "pip"]
        subprocess.run(
            [*pip, "download", "--no-binary", ":all:", "--no-deps", f"aiohttp=={version}"]
            + ["-d", str(cache), "-q"],
            check=True,
        )
        with tarfile.open(cache / f"aiohttp-{version}.tar.gz") as archive:
            archive.extractall(cache, filter="data")
    stamp = deps / REQUIREMENTS.name
    if not stamp.is_file() or stamp.read_text() != REQUIREMENTS.read_text():
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(deps)]
            + ["-r", str(REQUIREMENTS)],
            check=True,
        )
        stamp.write_text(REQUIREMENTS.read_text())
    return source, deps


def run_side(name: str, source: Path, deps: Path, modules: list[str], out: Path) -> Side:
    """Run ``modules`` on one side; its outcomes from the JUnit report."""
    backend = SIDES[name]
    junit = out / f"{name}.xml"
    env = dict(os.environ)
    # The sdist's ``aiohttp/`` holds no compiled parts: the installed aiohttp is tested.
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "adapters"), str(ROOT), str(deps)])
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"]
    command += ["-o", "addopts=", "-m", "not dev_mode and not autobahn and not internal"]
    command += ["--import-mode=importlib", "--rootdir", str(source)]
    command += ["-c", str(source / "pytest.ini"), f"--junitxml={junit}"]
    if backend is not None:
        env["ALBANY_AIOHTTP_SIDE"] = backend
        command += ["-p", "tests.framework_suites.aiohttp_plugin"]
    started = time.monotonic()
    with open(out / f"{name}.log", "w") as log:
        subprocess.run(
            command + modules, cwd=source / "tests", env=env, stdout=log, stderr=subprocess.STDOUT
        )
    print(f"{name}: {time.monotonic() - started:.0f} s", file=sys.stderr)
    return Side(name, read_junit(junit))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the server modules only")
    parser.add_argument("--sides", default=",".join(SIDES), help="comma-separated sides")
    parser.add_argument("-k", default=None, help="pytest -k expression, to look closer")
    args = parser.parse_args(argv)
    names = args.sides.split(",")
    unknown = set(names) - set(SIDES)
    if unknown or "aiohttp" not in names:
        parser.error(f"sides are {', '.join(SIDES)} (aiohttp among them)")
    cache = cache_dir()
    source, deps = prepare(cache)
    out = cache / "runs"
    out.mkdir(exist_ok=True)
    modules = [str(source / m) for m in (QUICK if args.quick else FULL)]
    if args.k:
        modules += ["-k", args.k]
    sides = [run_side(name, source, deps, modules, out) for name in names]
    table, unexplained = render("aiohttp", sides[0], sides[1:], KNOWN)
    print(table)
    print(f"logs and JUnit reports: {out}", file=sys.stderr)
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())

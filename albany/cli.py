"""The ``albany`` command: ``albany MODULE:ATTR [options]`` (also ``python -m albany``)."""

from __future__ import annotations

import argparse
import configparser
import logging
import os
import stat
import sys
from dataclasses import replace
from typing import Any, NoReturn, Sequence

from albany.app_kinds import INTERFACES
from albany.config import Config
from albany.envfile import load_env_file
from albany.errors import StartupError
from albany.gateway.access import check_format
from albany.http1.limits import Limits
from albany.importer import ImportFromStringError, import_from_string
from albany.logs import apply_log_config, configure_logging
from albany.mount import Mount
from albany.reload import FD_VARIABLE, run_reloader
from albany.serving import LOOPS, check_single_process, prepare, serve
from albany.settings_check import SettingError, nested
from albany.websocket.settings import WebSocketSettings

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")

OPTIONS = {
    "limits.max_request_line": "--limit-request-line",
    "limits.max_header_size": "--limit-header-size",
    "limits.max_header_count": "--limit-header-count",
    "limits.max_body_size": "--limit-body-size",
    "websocket.max_message_size": "--ws-max-size",
    "websocket.ping_interval": "--ws-ping-interval",
    "websocket.ping_timeout": "--ws-ping-timeout",
    "max_pipelined_requests": "--limit-pipelined-requests",
    "linger_max_size": "--limit-linger-size",
}
"""The option of each setting whose option is not ``--`` and its name with dashes."""


class Parser(argparse.ArgumentParser):
    """argparse, with an error as one line (``albany: error: …``) and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def option_of(setting: str) -> str:
    """The command-line option that sets ``setting`` (a ``Config`` field path)."""
    return OPTIONS.get(setting, "--" + setting.replace("_", "-"))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (its ``--help`` is the CLI reference)."""
    defaults = Config()
    limits = Limits()
    parser = Parser(
        prog="albany",
        description="Serve an Albany/ASGI app on asyncio, uvloop, Twisted or Tornado.",
    )
    parser.add_argument(
        "app", metavar="MODULE:ATTR", nargs="?", help="the app, e.g. myproject.web:app"
    )
    add = parser.add_argument
    add(
        "--mount",
        metavar="PREFIX=MODULE:ATTR",
        action="append",
        default=[],
        help="serve this app below PREFIX; repeat to mix apps of any kind on one port",
    )
    add(
        "--loop",
        choices=LOOPS,
        default="auto",
        help="event loop; auto picks the app's native loop (uvloop when installed)",
    )
    add(
        "--interface",
        choices=INTERFACES,
        default="auto",
        help="the kind of app; auto detects ASGI 3/2, WSGI and each adapter's kind",
    )
    add(
        "--reactor",
        default=None,
        help="Twisted reactor to install (epoll, poll, select, asyncio, default)",
    )
    add("--host", default=defaults.host, help="bind address (default: %(default)s)")
    add("--port", type=int, default=defaults.port, help="bind port (default: %(default)s)")
    add("--uds", default=None, help="bind to this Unix domain socket")
    add("--fd", type=int, default=None, help="serve on this already bound socket descriptor")
    add("--root-path", default="", help="ASGI root_path: the prefix the app is mounted at")
    add("--lifespan", choices=("auto", "on", "off"), default="auto", help="lifespan protocol")
    add(
        "--timeout-keep-alive",
        type=float,
        default=defaults.timeout_keep_alive,
        help="close idle keep-alive connections after this many seconds",
    )
    add(
        "--timeout-request-header",
        type=float,
        default=defaults.timeout_request_header,
        help="close a connection whose request head takes longer than this",
    )
    add(
        "--timeout-graceful-shutdown",
        type=float,
        default=defaults.timeout_graceful_shutdown,
        help="seconds to finish in-flight requests on SIGINT/SIGTERM",
    )
    add(
        "--timeout-body",
        type=float,
        default=defaults.timeout_body,
        help="a request body that stalls this long gets 408, or a close once the response "
        "has begun (default: %(default)s)",
    )
    add(
        "--timeout-write",
        type=float,
        default=defaults.timeout_write,
        help="drop a connection whose client reads nothing for this long while the "
        "response is over the high-water mark (default: %(default)s)",
    )
    add(
        "--limit-pipelined-requests",
        type=int,
        default=defaults.max_pipelined_requests,
        help="requests read ahead while one is answered; beyond them reading pauses "
        "(default: %(default)s)",
    )
    add(
        "--timeout-linger",
        type=float,
        default=defaults.timeout_linger,
        help="after its last response, a connection closing reads and discards what the "
        "client still sends for this many seconds (default: %(default)s)",
    )
    add(
        "--limit-linger-size",
        type=int,
        default=defaults.linger_max_size,
        help="... and for at most this many bytes (default: %(default)s)",
    )
    add(
        "--timeout-lifespan-startup",
        type=float,
        default=defaults.timeout_lifespan_startup,
        help="seconds the app gets to answer lifespan start-up; 0 waits without limit "
        "(default: %(default)s)",
    )
    add(
        "--timeout-lifespan-shutdown",
        type=float,
        default=defaults.timeout_lifespan_shutdown,
        help="seconds the app gets to answer lifespan shutdown; 0 waits without limit "
        "(default: %(default)s)",
    )
    add(
        "--threads",
        type=int,
        default=None,
        help="size of the loop's thread pool (run_in_thread, WSGI apps)",
    )
    add(
        "--limit-request-line",
        type=int,
        default=limits.max_request_line,
        help="longest request line, else 414",
    )
    add(
        "--limit-header-size",
        type=int,
        default=limits.max_header_size,
        help="largest request head (all fields), else 431",
    )
    add(
        "--limit-header-count",
        type=int,
        default=limits.max_header_count,
        help="most request header fields, else 431",
    )
    add("--limit-body-size", type=int, default=None, help="largest request body, else 413")
    ws = defaults.websocket
    add(
        "--ws-max-size",
        type=int,
        default=ws.max_message_size,
        help="largest incoming WebSocket message in bytes, else close 1009 (default: %(default)s)",
    )
    add(
        "--ws-ping-interval",
        type=float,
        default=ws.ping_interval,
        help="seconds between WebSocket keepalive pings; 0 sends none (default: %(default)s)",
    )
    add(
        "--ws-ping-timeout",
        type=float,
        default=ws.ping_timeout,
        help="seconds to wait for a pong before closing with 1011 (default: %(default)s)",
    )
    add(
        "--ws-per-message-deflate",
        action=argparse.BooleanOptionalAction,
        default=ws.per_message_deflate,
        help="accept permessage-deflate compression when a WebSocket client offers it",
    )
    add("--ssl-certfile", metavar="PATH", default=None, help="serve TLS with this PEM certificate")
    add("--ssl-keyfile", metavar="PATH", default=None, help="the certificate's PEM private key")
    add(
        "--ssl-keyfile-password",
        metavar="PASSWORD",
        default=None,
        help="password of an encrypted key file",
    )
    add(
        "--ssl-ca-certs",
        metavar="PATH",
        default=None,
        help="PEM CA certificates that client certificates are checked against",
    )
    add(
        "--ssl-cert-reqs",
        metavar="{0,1,2}",
        type=int,
        default=defaults.ssl_cert_reqs,
        help="client certificates: 0 none, 1 optional, 2 required (ssl.CERT_*; "
        "default: %(default)s)",
    )
    # behind proxies (albany/proxy/)
    add(
        "--proxy-headers",
        action=argparse.BooleanOptionalAction,
        default=defaults.proxy_headers,
        help="take client, scheme, host and prefix from X-Forwarded-* or Forwarded headers "
        "sent by a trusted peer",
    )
    add(
        "--proxy-protocol",
        action=argparse.BooleanOptionalAction,
        default=defaults.proxy_protocol,
        help="expect a PROXY protocol header (v1 or v2) from trusted peers",
    )
    add(
        "--forwarded-allow-ips",
        metavar="LIST",
        default=defaults.forwarded_allow_ips,
        help="trusted peers, comma separated: IPs, CIDR networks, 'unix' (Unix-socket "
        "peers) or '*' (default: $FORWARDED_ALLOW_IPS or 127.0.0.1)",
    )
    # worker processes (albany/workers/)
    add(
        "--workers",
        metavar="N|auto",
        type=workers_setting,
        default=defaults.workers,
        help="serve in N worker processes under a supervisor (auto: one per CPU)",
    )
    add(
        "--max-requests",
        metavar="N",
        type=int,
        default=defaults.max_requests,
        help="replace a worker, gracefully, after N requests (with --workers)",
    )
    add(
        "--max-requests-jitter",
        metavar="N",
        type=int,
        default=defaults.max_requests_jitter,
        help="add up to N requests to each worker's --max-requests, drawn at random",
    )
    add(
        "--timeout-worker-healthcheck",
        metavar="SECONDS",
        type=float,
        default=defaults.timeout_worker_healthcheck,
        help="kill and replace a worker whose loop is blocked this long; 0 never "
        "(default: %(default)s)",
    )
    # operations
    add(
        "--limit-concurrency",
        type=int,
        metavar="N",
        default=None,
        help="most connections at once; a request on one more gets a 503",
    )
    add(
        "--backlog",
        type=int,
        default=defaults.backlog,
        help="listen queue length (default: %(default)s)",
    )
    add(
        "--header",
        metavar="NAME:VALUE",
        action="append",
        type=header_option,
        default=[],
        help="a default response header; repeat for more",
    )
    add(
        "--server-header",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="send 'server: albany'",
    )
    add(
        "--date-header",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="send a 'date' header",
    )
    add(
        "--access-log-format",
        metavar="FORMAT",
        default=None,
        help="the access log line in gunicorn atoms, e.g. '%%(h)s \"%%(r)s\" %%(s)s %%(D)s'",
    )
    add(
        "--log-config",
        metavar="PATH",
        default=None,
        help="logging configuration: a dictConfig .json file, or a fileConfig .ini file",
    )
    add(
        "--env-file",
        metavar="PATH",
        default=None,
        help="KEY=VALUE lines put in the environment before the app is imported",
    )
    add(
        "--reload",
        action="store_true",
        help="development: restart when a watched file changes (pip install albany[reload])",
    )
    add(
        "--reload-dir",
        metavar="DIR",
        action="append",
        default=[],
        help="a directory --reload watches; repeat for more (default: the current directory)",
    )
    add(
        "--reload-include",
        metavar="GLOB",
        action="append",
        default=[],
        help="file names whose change reloads (default: *.py); repeat for more",
    )
    add(
        "--reload-exclude",
        metavar="GLOB",
        action="append",
        default=[],
        help="paths whose change never reloads (dot files and __pycache__ already); repeat",
    )
    add("--version", action="version", version=version_line())
    add("--log-level", choices=LOG_LEVELS, default="info", help="log level")
    add(
        "--access-log",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="log one line per response",
    )
    add("--app-dir", default=".", help="directory put first on sys.path to import the app")
    add("--factory", action="store_true", help="MODULE:ATTR is a factory returning the app")
    return parser


def workers_setting(value: str) -> int | str:
    """``--workers``: a number from 1, or ``auto``."""
    if value == "auto":
        return value
    try:
        count = int(value)
    except ValueError:
        count = 0
    if count < 1:
        raise argparse.ArgumentTypeError(f"a number from 1, or auto, not {value!r}")
    return count


def header_option(text: str) -> tuple[str, str]:
    """``--header NAME:VALUE`` as (NAME, VALUE)."""
    name, colon, value = text.partition(":")
    if not colon or not name.strip():
        raise argparse.ArgumentTypeError(f"takes NAME:VALUE, not {text!r}")
    return name.strip(), value.strip()


def version_line() -> str:
    """``albany --version``: Albany's version, the Python and the system it runs on."""
    import platform

    from albany import __version__

    python = f"{platform.python_implementation()} {platform.python_version()}"
    return f"albany {__version__} with {python} on {platform.system()}"


def config_from_args(args: argparse.Namespace) -> Config:
    """The ``Config`` the parsed arguments describe; ``SettingError`` for one out of range."""
    try:
        limits = Limits(
            max_request_line=args.limit_request_line,
            max_header_size=args.limit_header_size,
            max_header_count=args.limit_header_count,
            max_body_size=args.limit_body_size,
        )
    except SettingError as error:
        raise nested("limits", error) from None
    try:
        websocket = WebSocketSettings(
            max_message_size=args.ws_max_size,
            ping_interval=args.ws_ping_interval or None,
            ping_timeout=args.ws_ping_timeout,
            per_message_deflate=args.ws_per_message_deflate,
        )
    except SettingError as error:
        raise nested("websocket", error) from None
    return Config(
        host=args.host,
        port=args.port,
        uds=args.uds,
        fd=args.fd,
        loop=args.loop,
        interface=args.interface,
        reactor=args.reactor,
        root_path=args.root_path,
        lifespan=args.lifespan,
        timeout_keep_alive=args.timeout_keep_alive,
        timeout_request_header=args.timeout_request_header,
        timeout_graceful_shutdown=args.timeout_graceful_shutdown,
        timeout_body=args.timeout_body,
        timeout_write=args.timeout_write,
        max_pipelined_requests=args.limit_pipelined_requests,
        timeout_linger=args.timeout_linger,
        linger_max_size=args.limit_linger_size,
        timeout_lifespan_startup=args.timeout_lifespan_startup or None,
        timeout_lifespan_shutdown=args.timeout_lifespan_shutdown or None,
        limits=limits,
        access_log=args.access_log,
        threads=args.threads,
        websocket=websocket,
        log_level=args.log_level,
        ssl_certfile=args.ssl_certfile,
        ssl_keyfile=args.ssl_keyfile,
        ssl_keyfile_password=args.ssl_keyfile_password,
        ssl_ca_certs=args.ssl_ca_certs,
        ssl_cert_reqs=args.ssl_cert_reqs,
        # behind proxies
        proxy_headers=args.proxy_headers,
        proxy_protocol=args.proxy_protocol,
        forwarded_allow_ips=args.forwarded_allow_ips,
        # worker processes
        workers=args.workers,
        max_requests=args.max_requests,
        max_requests_jitter=args.max_requests_jitter,
        timeout_worker_healthcheck=args.timeout_worker_healthcheck,
        # operations
        limit_concurrency=args.limit_concurrency,
        backlog=args.backlog,
        headers=args.header,
        server_header=args.server_header,
        date_header=args.date_header,
        access_log_format=args.access_log_format,
    )


def is_socket(fd: int) -> bool:
    """Whether ``fd`` is an open descriptor of a socket."""
    try:
        return stat.S_ISSOCK(os.fstat(fd).st_mode)
    except OSError:
        return False


def load_app(target: str, factory: bool) -> Any:
    """The object ``MODULE:ATTR`` names (called first when it is a factory)."""
    app = import_from_string(target)
    return app() if factory else app


def mount_from_args(args: argparse.Namespace) -> Mount:
    """A ``Mount`` of every ``--mount PREFIX=MODULE:ATTR``."""
    return mount_from_specs(args.mount, args.factory)


def mount_from_specs(specs: Sequence[str], factory: bool) -> Mount:
    """A ``Mount`` of each ``PREFIX=MODULE:ATTR``."""
    routes = []
    for spec in specs:
        prefix, separator, target = spec.partition("=")
        if not separator or not prefix.startswith("/"):
            raise StartupError(f"--mount takes PREFIX=MODULE:ATTR with PREFIX from '/': {spec!r}")
        routes.append((prefix, load_app(target, factory)))
    try:
        return Mount(routes)
    except ValueError as exc:
        raise StartupError(str(exc)) from exc


def early_option(argv: Sequence[str] | None, name: str) -> str | None:
    """An option's value read before the full parse (the last one given wins)."""
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument(name)
    known, _ = early.parse_known_args(sys.argv[1:] if argv is None else list(argv))
    value: str | None = getattr(known, name.lstrip("-").replace("-", "_"))
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit status."""
    env_file = early_option(argv, "--env-file")
    if env_file is not None:  # before the parser: its defaults may come from the environment
        try:
            load_env_file(env_file)
        except (OSError, ValueError) as exc:
            print(f"albany: error: --env-file {env_file}: {exc}", file=sys.stderr)
            return 1
    parser = build_parser()
    args = parser.parse_args(argv)
    if (args.app is None) == (not args.mount):
        parser.error("give MODULE:ATTR, or one --mount PREFIX=MODULE:ATTR or more (not both)")
    if args.reload and args.workers is not None:
        parser.error("--reload and --workers do not go together: --reload is for development")
    if args.access_log_format is not None:
        try:
            check_format(args.access_log_format)
        except (KeyError, ValueError, TypeError) as exc:
            parser.error(f"--access-log-format: {exc!r}")
    try:
        config = config_from_args(args)
    except SettingError as error:
        parser.error(f"argument {option_of(error.setting)}: {error.problem}")
    if config.fd is not None and not is_socket(config.fd):
        parser.error(f"argument --fd: {config.fd} is not an open socket of this process")
    configure_logging(config.log_level, config.access_log)
    if args.log_config is not None:
        try:
            apply_log_config(args.log_config)
        except (OSError, ValueError, KeyError, TypeError, RuntimeError, configparser.Error) as exc:
            print(f"albany: error: --log-config {args.log_config}: {exc}", file=sys.stderr)
            return 1
    reload_fd = os.environ.pop(FD_VARIABLE, None)
    if reload_fd is not None:  # a child of --reload: serve on the reloader's socket
        config = replace(config, fd=int(reload_fd))
    elif args.reload:
        try:
            return run_reloader(
                sys.argv[1:] if argv is None else list(argv),
                config,
                args.reload_dir,
                args.reload_include,
                args.reload_exclude,
            )
        except StartupError as exc:
            print(f"albany: error: {exc}", file=sys.stderr)
            return 1
    debug = config.log_level == "debug"
    try:
        if config.workers is not None:  # before any loop, reactor or app is imported
            from albany.workers.spec import WorkerSpec
            from albany.workers.supervisor import run_supervisor

            app_dir = os.path.abspath(args.app_dir)
            return run_supervisor(WorkerSpec(config, args.app, args.mount, args.factory, app_dir))
        check_single_process(config)
        sys.path.insert(0, args.app_dir)
        prepared = prepare(config, apps=len(args.mount) or 1)
        with prepared.importing():
            app = load_app(args.app, args.factory) if args.app else mount_from_args(args)
        return serve(app, config, prepared.loop)
    except (StartupError, ImportFromStringError) as exc:
        if debug:
            logging.getLogger("albany.error").exception("Start-up failed")
        print(f"albany: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


def entry_point() -> None:
    """The console script."""
    sys.exit(main())

"""Albany's pytest plugin: every test that asks for ``albany_loop`` runs on every loop.

Registered through the ``pytest11`` entry point, so installing Albany is enough.

Choosing loops: ``--albany-loops asyncio,tornado``, else ``ALBANY_TEST_LOOPS``, else the
``albany_loops`` ini setting, else all of ``albany.testing.LOOPS``. A loop whose packages
are missing is skipped; ``@pytest.mark.albany_loops("twisted", ...)`` keeps one test to
the loops it names.

Fixtures:

========================= ======== =====================================================
fixture                   scope    what
========================= ======== =====================================================
``albany_loop``           function the loop's name; the test runs once per loop
``albany_app``            function ``"MODULE:ATTR"`` to serve: the ``albany_app`` ini setting,
                                   or override the fixture
``albany_server``         function ``albany_app`` on ``albany_loop``: a ``LiveServer`` on
                                   127.0.0.1, shared by the session
``albany_client``         function an ``httpx.Client`` on ``albany_server``
``albany_async_client``   function an ``httpx.AsyncClient`` on ``albany_server``
``albany_memory_client``  function a ``MemoryClient``: ``albany_app`` through the gateway on
                                   ``albany_loop``, no socket, lifespan run around the test
``albany_start_server``   function ``start(app=None, *args, env=None)``: a server of the test's
                                   own, stopped after it
``albany_server_pool``    session  the ``ServerPool`` behind ``albany_server``
``albany_memory_loops``   session  the ``MemoryLoops`` behind ``albany_memory_client``
========================= ======== =====================================================

Importing this module imports no loop and no framework: they are imported by the
fixtures that need them.
"""

from __future__ import annotations

import inspect
import os
import sys
from typing import TYPE_CHECKING, Any, Callable, Iterator

import pytest

from albany.testing.live import LiveServer, loop_available, loop_package
from albany.testing.options import ENV_VARIABLE, UnknownLoop, chosen_loops, parse_loops
from albany.testing.pool import ServerPool

if TYPE_CHECKING:
    import httpx

    from albany.testing.memory import MemoryClient, MemoryLoops

MARKER = "albany_loops"
LOOPS_KEY = pytest.StashKey[list[str]]()

StartServer = Callable[..., LiveServer]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("albany", "Albany: run tests on every loop")
    group.addoption(
        "--albany-loops",
        dest="albany_loops",
        default=None,
        metavar="LIST",
        help="loops to run albany_loop tests on, comma-separated "
        f"(default: ${ENV_VARIABLE}, else the albany_loops ini setting, else every loop)",
    )
    parser.addini("albany_loops", "loops to run albany_loop tests on (default: all)", type="args")
    parser.addini("albany_app", "MODULE:ATTR the albany_server and client fixtures serve")
    parser.addini("albany_app_dir", "directory live servers import the app from (default: rootdir)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{MARKER}(*names): run this test only on the named Albany loops"
    )
    try:
        loops: list[str] = chosen_loops(
            config.getoption("albany_loops"),
            os.environ.get(ENV_VARIABLE),
            config.getini("albany_loops"),
        )
    except UnknownLoop as error:
        raise pytest.UsageError(str(error)) from None
    config.stash[LOOPS_KEY] = list(loops)


def pytest_report_header(config: pytest.Config) -> str:
    loops: list[str] = config.stash[LOOPS_KEY]
    return f"albany loops: {', '.join(loops)}"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "albany_loop" not in metafunc.fixturenames or _parametrized_by_test(metafunc):
        return
    loops = metafunc.config.stash[LOOPS_KEY]
    marker = metafunc.definition.get_closest_marker(MARKER)
    if marker is not None:
        allowed = parse_loops(marker.args)
        loops = [name for name in loops if name in allowed]
    metafunc.parametrize("albany_loop", loops, indirect=True)


def _parametrized_by_test(metafunc: pytest.Metafunc) -> bool:
    """Whether the test lists its own ``albany_loop`` values (``@pytest.mark.parametrize``)."""
    for marker in metafunc.definition.iter_markers("parametrize"):
        names = marker.args[0] if marker.args else marker.kwargs.get("argnames", ())
        if isinstance(names, str):
            names = [name.strip() for name in names.split(",")]
        if "albany_loop" in names:
            return True
    return False


@pytest.fixture
def albany_loop(request: pytest.FixtureRequest) -> str:
    """The loop this run of the test is on; skipped when its packages are not installed."""
    name: str | None = getattr(request, "param", None)
    if name is None:
        raise pytest.UsageError(
            f"{request.node.nodeid}: albany_loop is parametrised for tests that name it, or "
            "name a fixture that does, in their signature; getfixturevalue is too late"
        )
    if not loop_available(name):
        pytest.skip(f"{loop_package(name)} is not installed")
    return name


@pytest.fixture
def albany_app(request: pytest.FixtureRequest) -> str:
    """``MODULE:ATTR`` of the app to serve, from the ``albany_app`` ini setting."""
    app: str = request.config.getini("albany_app")
    if not app:
        raise pytest.UsageError(
            "No app to serve: set albany_app = MODULE:ATTR in the pytest ini file, "
            "or override the albany_app fixture"
        )
    return app


@pytest.fixture(scope="session")
def albany_server_pool(request: pytest.FixtureRequest) -> Iterator[ServerPool]:
    """Live servers shared by the session, one per (app, loop, arguments)."""
    pool = ServerPool(app_dir=_app_dir(request.config))
    yield pool
    pool.close()


def _app_dir(config: pytest.Config) -> str:
    configured: str = config.getini("albany_app_dir")
    return str(config.rootpath / configured) if configured else str(config.rootpath)


@pytest.fixture
def albany_server(albany_server_pool: ServerPool, albany_app: str, albany_loop: str) -> LiveServer:
    """``albany_app`` served on ``albany_loop`` on 127.0.0.1, shared across tests."""
    return albany_server_pool.get(albany_app, albany_loop)


@pytest.fixture
def albany_start_server(request: pytest.FixtureRequest, albany_loop: str) -> Iterator[StartServer]:
    """``start(app=None, *args, env=None)``: a server for this test alone, stopped after it."""
    started: list[LiveServer] = []
    app_dir = _app_dir(request.config)

    def start(app: str | None = None, *args: str, env: dict[str, str] | None = None) -> LiveServer:
        name = app if app is not None else request.getfixturevalue("albany_app")
        server = LiveServer(name, albany_loop, args, app_dir=app_dir, env=env)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


def _httpx() -> Any:
    try:
        import httpx
    except ImportError:
        pytest.fail("the albany client fixtures need httpx: pip install httpx", pytrace=False)
    return httpx


@pytest.fixture
def albany_client(albany_server: LiveServer) -> Iterator[httpx.Client]:
    """An ``httpx.Client`` whose base URL is ``albany_server``."""
    with _httpx().Client(base_url=albany_server.url) as client:
        yield client


@pytest.fixture
def albany_async_client(albany_server: LiveServer) -> Iterator[httpx.AsyncClient]:
    """An ``httpx.AsyncClient`` on ``albany_server``; use it as ``async with`` in the test."""
    client = _httpx().AsyncClient(base_url=albany_server.url)
    yield client
    if not client.is_closed:
        import asyncio

        try:
            asyncio.run(client.aclose())
        except RuntimeError:  # a loop runs in this thread (pytest-twisted's): leave it to GC
            pass


@pytest.fixture(scope="session")
def albany_memory_loops(request: pytest.FixtureRequest) -> Iterator[MemoryLoops]:
    """The loops (and the one reactor) in-memory clients share for the session."""
    from albany.testing.memory import MemoryLoops

    blockon = None
    if request.config.pluginmanager.hasplugin("twisted"):
        import pytest_twisted  # type: ignore[import-not-found,unused-ignore]

        blockon = pytest_twisted.blockon
    chosen: list[str] = request.config.stash[LOOPS_KEY]
    loops = MemoryLoops(chosen, blockon=blockon)
    yield loops
    loops.close()


@pytest.fixture
def albany_memory_client(
    request: pytest.FixtureRequest,
    albany_memory_loops: MemoryLoops,
    albany_app: Any,
    albany_loop: str,
) -> Iterator[MemoryClient]:
    """``albany_app`` driven through the gateway on ``albany_loop``, without a socket.

    Skipped, with the reason, where the loop cannot run in this process (Twisted's one
    reactor per process). Lifespan start-up runs before the test, shut-down after it.
    """
    from albany.testing.memory import LoopUnavailable, MemoryClient

    app_dir = _app_dir(request.config)
    if isinstance(albany_app, str) and app_dir not in sys.path:
        sys.path.insert(0, app_dir)  # where live servers import it from (albany --app-dir)
    try:
        client = MemoryClient(albany_app, albany_loop, loops=albany_memory_loops)
    except LoopUnavailable as reason:
        pytest.skip(f"in memory on {albany_loop}: {reason}")
    in_reactor = albany_memory_loops.blockon is not None and client.loop.backend == "twisted"
    if in_reactor and not inspect.iscoroutinefunction(getattr(request, "function", None)):
        pytest.skip(
            f"in memory on {albany_loop}: pytest-twisted runs this test inside the reactor, "
            "where a plain test cannot wait for it; write it as "
            "@pytest_twisted.ensureDeferred async def, and await client.request_deferred(...)"
        )
    with client:
        yield client

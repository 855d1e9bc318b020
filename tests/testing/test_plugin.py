"""The pytest plugin, run on small test suites of its own (pytester).

In-process runs (``runpytest``) check parametrisation and options; anything that starts a
server or a reactor runs in a subprocess (``runpytest_subprocess``), so that this
process's reactor is not involved.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from albany.testing import loop_available

pytest_plugins = ["pytester"]

LOOP_IDS = """
def test_loop(albany_loop):
    print("ran on", albany_loop)
"""

APP = """
import albany


@albany.flavour("neutral")
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    backend = scope["extensions"]["albany"]["backend"]
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": backend.encode()})
"""


@pytest.fixture(autouse=True)
def no_loops_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ALBANY_TEST_LOOPS", raising=False)


def collected(pytester: pytest.Pytester, *args: str) -> list[str]:
    result = pytester.runpytest("--collect-only", "-q", *args)
    return [line for line in result.outlines if "::" in line]


def test_every_loop_by_default(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(LOOP_IDS)
    names = collected(pytester)
    assert names == [
        f"test_every_loop_by_default.py::test_loop[{name}]"
        for name in ("asyncio", "uvloop", "twisted", "twisted-asyncio", "tornado")
    ]


def test_option_then_environment_then_ini(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(LOOP_IDS)
    pytester.makeini("[pytest]\nalbany_loops = twisted tornado\n")
    assert [n.split("[")[1] for n in collected(pytester)] == ["twisted]", "tornado]"]
    monkeypatch.setenv("ALBANY_TEST_LOOPS", "uvloop")
    assert [n.split("[")[1] for n in collected(pytester)] == ["uvloop]"]
    names = collected(pytester, "--albany-loops", "asyncio,twisted-asyncio")
    assert [n.split("[")[1] for n in names] == ["asyncio]", "twisted-asyncio]"]


def test_unknown_loop_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(LOOP_IDS)
    result = pytester.runpytest("--albany-loops", "asyncio,trio")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*Unknown loop 'trio'*"])


def test_marker_restricts_a_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.albany_loops("tornado", "asyncio")
        def test_restricted(albany_loop):
            pass

        @pytest.mark.albany_loops("twisted")
        def test_elsewhere(albany_loop):
            pass

        def test_plain():
            pass
        """
    )
    result = pytester.runpytest("-v", "--albany-loops", "asyncio,uvloop,tornado")
    tornado = "PASSED" if loop_available("tornado") else "SKIPPED"
    result.stdout.fnmatch_lines(
        [
            "*test_restricted?asyncio? PASSED*",
            f"*test_restricted?tornado? {tornado}*",
            "*test_elsewhere* SKIPPED*",  # no loop left for it: not generated
            "*test_plain PASSED*",
        ]
    )
    assert "uvloop" not in "".join(line for line in result.outlines if "::test_r" in line)


def test_a_test_may_list_its_own_loops(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("albany_loop", ["tornado"])
        def test_own(albany_loop):
            assert albany_loop == "tornado"
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_a_loop_that_is_not_installed_is_skipped(pytester: pytest.Pytester) -> None:
    # In the subprocess, these packages cannot be found (find_spec sees None).
    pytester.makeconftest(
        "import sys\nsys.modules.update(dict.fromkeys(['uvloop', 'twisted', 'tornado']))\n"
    )
    pytester.makepyfile(LOOP_IDS)
    result = pytester.runpytest_subprocess("-rs")
    result.assert_outcomes(passed=1, skipped=4)
    skipped = [line.split(": ", 1)[1] for line in result.outlines if line.startswith("SKIPPED")]
    assert sorted(skipped) == [  # -rs folds twisted and twisted-asyncio into one line
        "tornado is not installed",
        "twisted is not installed",
        "uvloop is not installed",
    ]


def test_no_app_configured_says_how_to_name_one(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_it(albany_server):\n    pass\n")
    result = pytester.runpytest("--albany-loops", "asyncio")
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*set albany_app = MODULE:ATTR*"])


def test_live_server_and_clients(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(myapp=APP)
    pytester.makeini("[pytest]\nalbany_app = myapp:app\n")
    pytester.makepyfile(
        """
        import pytest

        BACKEND = {"twisted-asyncio": "twisted"}

        @pytest.fixture
        def anyio_backend():
            return "asyncio"  # one run per test, whichever anyio backends are installed

        def test_sync(albany_client, albany_loop):
            response = albany_client.get("/")
            assert response.text == BACKEND.get(albany_loop, albany_loop)

        @pytest.mark.anyio
        async def test_async(albany_async_client, albany_loop):
            async with albany_async_client as client:
                response = await client.get("/")
            assert response.text == BACKEND.get(albany_loop, albany_loop)

        def test_own_server(albany_start_server, albany_loop):
            server = albany_start_server(None, "--root-path", "/base")
            assert server.process.poll() is None
        """
    )
    loops = [name for name in ("asyncio", "twisted", "tornado") if loop_available(name)]
    result = pytester.runpytest_subprocess("--albany-loops", ",".join(loops), "-p", "anyio")
    result.assert_outcomes(passed=3 * len(loops))


MEMORY_TESTS = """
def test_memory(albany_memory_client, albany_loop):
    BACKEND = {"twisted-asyncio": "twisted"}
    assert albany_memory_client.get("/").text == BACKEND.get(albany_loop, albany_loop)
"""


@pytest.mark.parametrize(
    ("loops", "outcomes"),
    [
        # twisted-asyncio in the run: the asyncio reactor; "twisted" (another reactor) skips
        ("asyncio,twisted,twisted-asyncio,tornado", {"passed": 3, "skipped": 1}),
        # twisted alone: the platform's reactor, driven by hand
        ("twisted", {"passed": 1}),
    ],
)
def test_memory_client_and_the_one_reactor(
    pytester: pytest.Pytester, loops: str, outcomes: dict[str, int]
) -> None:
    if not loop_available("twisted"):
        pytest.skip("twisted is not installed")
    pytester.makepyfile(myapp=APP)
    pytester.makeini("[pytest]\nalbany_app = myapp:app\n")
    pytester.makepyfile(MEMORY_TESTS)
    result = pytester.runpytest_subprocess("-rs", "--albany-loops", loops)
    result.assert_outcomes(**outcomes)
    if "skipped" in outcomes:
        result.stdout.fnmatch_lines(["*one reactor per process*"])


def test_importing_the_plugin_imports_no_loop() -> None:
    code = (
        "import sys, albany.testing.plugin;"
        "loaded = [m for m in ('twisted', 'tornado', 'uvloop', 'aiohttp', 'httpx')"
        " if m in sys.modules]; assert not loaded, loaded"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr

"""The in-memory client on every loop: the real gateway and runners, no socket.

``albany_memory_client`` serves ``albany_app``; here that is the contract app in each of
its three flavours, so cross-flavour driving is exercised in memory too. A combination
Twisted's one-reactor-per-process rule rules out in this process is skipped, with why.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

import albany
from albany.testing import LoopUnavailable, MemoryClient, MemoryLoops, MemoryTimeout
from tests.apps import contract
from tests.conftest import ROOT_DIR

BACKEND = {
    "asyncio": "asyncio",
    "uvloop": "uvloop",
    "tornado": "tornado",
    "twisted": "twisted",
    "twisted-asyncio": "twisted",
}


@pytest.fixture(params=["neutral", "asyncio", "twisted"])
def albany_app(request: pytest.FixtureRequest) -> str:
    return {"neutral": "tests.apps.contract:app"}.get(
        request.param, f"tests.apps.contract:{request.param}_app"
    )


def test_hello(albany_memory_client: MemoryClient) -> None:
    response = albany_memory_client.get("/")
    assert (response.status_code, response.text) == (200, "Hello, world!")
    assert response.headers["content-type"] == "text/plain"
    assert response.headers["server"] == "albany"


def test_scope_says_which_backend_and_flavour(
    albany_memory_client: MemoryClient, albany_loop: str, albany_app: str
) -> None:
    scope = albany_memory_client.get("/scope/a%20b?x=1", headers={"X-Test": "yes"}).json()
    assert scope["backend"] == BACKEND[albany_loop]
    assert scope["flavour"] == albany.flavour_of(contract.__dict__[albany_app.split(":")[1]])
    assert (scope["path"], scope["raw_path"], scope["query_string"]) == (
        "/scope/a b",
        "/scope/a%20b",
        "x=1",
    )
    assert ["host", "testserver"] in scope["headers"] and ["x-test", "yes"] in scope["headers"]
    assert scope["client"] == ["127.0.0.1", 50000]
    assert scope["state"] == {"started": True}  # lifespan start-up ran before the test


def test_helpers_use_the_loops_timers_and_threads(albany_memory_client: MemoryClient) -> None:
    assert albany_memory_client.get("/sleep?s=0.02").text == "slept"
    assert albany_memory_client.get("/thread").text == "6"
    assert albany_memory_client.get("/gather").json() == [2, 4, 6]


def test_native_awaitables_of_the_apps_flavour(
    albany_memory_client: MemoryClient, albany_app: str
) -> None:
    response = albany_memory_client.get("/native")
    if albany_app.endswith(":app"):
        assert response.status_code == 404  # the neutral app has no /native
    else:
        flavour = albany_app.split(":")[1].split("_")[0]
        assert (response.status_code, response.text.split()[0]) == (200, flavour)


def test_request_bodies(albany_memory_client: MemoryClient) -> None:
    assert albany_memory_client.post("/echo", content=b"\x00abc").content == b"\x00abc"
    assert albany_memory_client.put("/echo", content="é").content == "é".encode()
    assert albany_memory_client.post("/echo", json={"a": [1]}).json() == {"a": [1]}


def test_streamed_response_and_head(albany_memory_client: MemoryClient) -> None:
    streamed = albany_memory_client.get("/stream?n=3&size=2")
    assert streamed.content == b"aabbcc"
    assert streamed.headers["transfer-encoding"] == "chunked"
    head = albany_memory_client.head("/")
    assert (head.status_code, head.content, head.headers["content-length"]) == (200, b"", "13")


def test_app_errors(albany_memory_client: MemoryClient) -> None:
    assert albany_memory_client.get("/error-before").status_code == 500
    with pytest.raises(AssertionError, match="closed without a complete response"):
        albany_memory_client.get("/error-after")
    assert albany_memory_client.get("/").status_code == 200  # the client is still usable


def test_a_response_that_never_completes_times_out(albany_memory_client: MemoryClient) -> None:
    albany_memory_client.timeout = 0.3
    with pytest.raises(MemoryTimeout, match="waiting"):
        albany_memory_client.get("/wait-disconnect")
    albany_memory_client.timeout = 10.0
    events = albany_memory_client.get("/events").json()
    assert events[-1] == "disconnect"  # the app saw the client go


@albany.flavour("neutral")
async def failing_startup(scope: Any, receive: Any, send: Any) -> None:
    assert scope["type"] == "lifespan"
    await receive()
    await send({"type": "lifespan.startup.failed", "message": "no database"})


def test_failed_startup_is_raised(albany_memory_loops: MemoryLoops, albany_loop: str) -> None:
    try:
        client = MemoryClient(failing_startup, albany_loop, loops=albany_memory_loops)
    except LoopUnavailable as reason:
        pytest.skip(str(reason))
    if albany_memory_loops.blockon is not None and client.loop.backend == "twisted":
        pytest.skip("pytest-twisted runs this test inside the reactor: it cannot block on it")
    with pytest.raises(albany.StartupError, match="no database"):
        client.start()


def test_unknown_loop(albany_memory_loops: MemoryLoops) -> None:
    with pytest.raises(ValueError, match="Unknown loop 'trio'"):
        MemoryClient(contract.app, "trio", loops=albany_memory_loops)


OUTSIDE_PYTEST = """
import sys
import albany
from albany.testing import LoopUnavailable, MemoryClient

@albany.flavour("neutral")
async def app(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})

first, second = sys.argv[1:]
with MemoryClient(app, first) as client:
    print(first, client.get("/").text)
try:
    MemoryClient(app, second)
except LoopUnavailable as error:
    print(second, "unavailable:", error)
"""


@pytest.mark.parametrize(
    ("first", "second"), [("twisted", "twisted-asyncio"), ("twisted-asyncio", "twisted")]
)
def test_outside_pytest_the_first_twisted_loop_asked_for_chooses_the_reactor(
    first: str, second: str
) -> None:
    pytest.importorskip("twisted")
    result = subprocess.run(
        [sys.executable, "-c", OUTSIDE_PYTEST, first, second],
        capture_output=True,
        text=True,
        cwd=ROOT_DIR,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    served, refused = result.stdout.splitlines()
    assert served == f"{first} ok"
    assert refused.startswith(f"{second} unavailable: ")
    assert "--albany-loops" not in refused  # pytest's advice has no place outside pytest

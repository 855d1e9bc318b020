"""One aiohttp application, served by aiohttp's own server and through Albany: same answers.

The service runs under ``web.AppRunner`` in one subprocess and under Albany on Twisted,
asyncio and uvloop in others; httpx and aiohttp's own client send the same requests
to each, and the status, body and the header fields that matter must agree.
"""

from __future__ import annotations

import asyncio
import gzip
import io
import os
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import aiohttp
import httpx
import pytest

from albany.testing import LiveServer, loop_available
from tests.adapters.aiohttp.conftest import SERVICE
from tests.adapters.aiohttp.test_lifespan import STARTED, STOPPED
from tests.conftest import ROOT_DIR, ServerPool

COMPARED_HEADERS = (
    "content-type",
    "content-length",
    "content-encoding",
    "content-range",
    "accept-ranges",
    "transfer-encoding",
    "connection",
    "location",
    "allow",
    "set-cookie",
    "x-middleware",
    "x-prepared",
    "x-sub",
    "x-stream",
    "x-why",
)
"""Not compared: ``date`` and ``server`` (each server writes its own), ``etag`` and
``last-modified`` (each server process writes its own copy of the served file)."""

BIG = os.urandom(1024**2 + 1)
BLOB = os.urandom(3 * 1024 * 1024)
GZIPPED = gzip.compress(b"zipped " * 50_000)


@dataclass(frozen=True)
class Call:
    """One request, as both clients send it."""

    name: str
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    form: dict[str, str] | None = None
    upload: bytes | None = None


CALLS = (
    Call("hello", "GET", "/"),
    Call("head", "HEAD", "/"),
    Call("match_info", "GET", "/users/b%C3%B6b"),
    Call("query", "GET", "/query?a=1&a=2&b=x%20y"),
    Call("inspect", "GET", "/inspect", {"Host": "example.org:81", "X-Custom": "one"}),
    Call("cookies", "GET", "/cookies", {"Cookie": "a=1; b=two"}),
    Call("echo", "POST", "/echo", {"Content-Type": "application/x-bin"}, b"\x00\x01" * 5000),
    Call("text", "POST", "/text", {"Content-Type": "text/plain; charset=utf-8"}, "héllo".encode()),
    Call("json", "POST", "/json", {"Content-Type": "application/json"}, b'{"b": 1, "a": [2]}'),
    Call("form", "POST", "/form", form={"x": "1", "y": "é"}),
    Call("multipart", "POST", "/multipart", upload=BLOB),
    Call("gzip_body", "POST", "/count", {"Content-Encoding": "gzip"}, GZIPPED),
    Call("too_large", "POST", "/echo", {}, BIG),
    Call("stream", "GET", "/stream?chunks=4&size=3"),
    Call("compressed", "GET", "/compressed", {"Accept-Encoding": "gzip"}),
    Call("file", "GET", "/file"),
    Call("range", "GET", "/file", {"Range": "bytes=1000-1999"}),
    Call("suffix_range", "GET", "/file", {"Range": "bytes=-10"}),
    Call("bad_range", "GET", "/file", {"Range": "bytes=999999-"}),
    Call("redirect", "GET", "/redirect"),
    Call("not_found", "GET", "/missing"),
    Call("no_route", "GET", "/nowhere"),
    Call("wrong_method", "POST", "/"),
    Call("bad_request", "GET", "/bad"),
    Call("crash", "GET", "/crash"),
    Call("no_content", "GET", "/empty"),
    Call("sub_app", "GET", "/sub/items/42"),
    Call("sub_middleware", "GET", "/sub/", {"X-Deny": "1"}),
)

Answer = tuple[int, bytes, dict[str, list[str]]]


def _kept(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    kept: dict[str, list[str]] = {}
    for name, value in pairs:
        if name.lower() in COMPARED_HEADERS:
            kept.setdefault(name.lower(), []).append(
                value.lower() if name.lower() == "connection" else value
            )
    return kept


def with_httpx(base: str, call: Call) -> Answer:
    files = {"blob": ("blob.bin", call.upload, "application/octet-stream")} if call.upload else None
    with httpx.Client(base_url=base, timeout=30) as client:
        response = client.request(
            call.method,
            call.path,
            headers=call.headers,
            content=call.body,
            data=call.form,
            files=files,
        )
    return response.status_code, response.content, _kept(list(response.headers.multi_items()))


async def with_aiohttp(session: aiohttp.ClientSession, base: str, call: Call) -> Answer:
    data: Any = io.BytesIO(call.body) if call.body is not None else None
    if call.form is not None:
        data = call.form
    elif call.upload is not None:
        data = aiohttp.FormData()
        data.add_field("blob", io.BytesIO(call.upload), filename="blob.bin")
    headers = dict(call.headers)
    async with session.request(
        call.method, base + call.path, headers=headers, data=data, allow_redirects=False
    ) as response:
        body = await response.read()
        return response.status, body, _kept(list(response.headers.items()))


def answers(base: str) -> dict[tuple[str, str], Answer]:
    """Every call, sent by each client, to the server at ``base``."""
    result = {("httpx", call.name): with_httpx(base, call) for call in CALLS}

    async def run() -> None:
        async with aiohttp.ClientSession(auto_decompress=True) as session:
            for call in CALLS:
                result[("aiohttp", call.name)] = await with_aiohttp(session, base, call)

    asyncio.run(run())
    return result


class AiohttpOwnServer(LiveServer):
    """The service under aiohttp's own ``AppRunner`` (``python -m`` the service module)."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(SERVICE, "asyncio", env={"PYTHONPATH": ROOT_DIR, **(env or {})})

    def command(self) -> list[str]:
        import sys

        return [sys.executable, "-m", "tests.adapters.aiohttp.service", "--port", "0"]


@pytest.fixture(scope="module")
def reference() -> Iterator[dict[tuple[str, str], Answer]]:
    """What aiohttp's own server answers."""
    server = AiohttpOwnServer().start()
    try:
        yield answers(server.url)
    finally:
        server.stop()


@pytest.mark.parametrize("albany_loop", ["twisted", "asyncio", "uvloop"])
def test_same_answers_as_aiohttp(
    albany_loop: str, server_pool: ServerPool, reference: dict[tuple[str, str], Answer]
) -> None:
    if not loop_available(albany_loop):
        pytest.skip(f"{albany_loop} is not installed")
    server = server_pool.get(SERVICE, albany_loop, "--factory")
    got = answers(server.url)
    differences = [
        f"{client} {name}: aiohttp {reference[client, name]!r:.300}\n"
        f"    albany {got[client, name]!r:.300}"
        for client, name in reference
        if got[client, name] != reference[client, name]
    ]
    assert not differences, "\n".join(differences)


def test_reference_answers_are_what_the_adapter_tests_expect(
    reference: dict[tuple[str, str], Answer],
) -> None:
    """The reference itself: guards against comparing two equally wrong answers."""
    status, body, headers = reference["httpx", "stream"]
    assert (status, body, headers["transfer-encoding"]) == (200, b"000111222333", ["chunked"])
    assert reference["httpx", "too_large"][0] == 413
    assert reference["aiohttp", "range"][2]["content-range"] == ["bytes 1000-1999/102400"]
    assert reference["httpx", "crash"][2]["connection"] == ["close"]


def test_same_lifecycle_order_as_aiohttp_runner(tmp_path: Path) -> None:
    log = tmp_path / "events.log"
    server = AiohttpOwnServer(env={"AIOHTTP_SERVICE_EVENTS": str(log)}).start()
    server.signal(signal.SIGINT)
    assert server.wait() == 0
    assert log.read_text().split("\n")[:-1] == STARTED + STOPPED

"""One Tornado application, the same requests: Tornado's own HTTPServer against Albany.

Albany serves it on every loop (the ``loop`` fixture: asyncio, uvloop, Twisted, Twisted
on asyncio, Tornado), and the drop-in ``albany_tornado.HTTPServer`` serves it from the
unchanged start-up script on asyncio, uvloop, Albany's Tornado backend and Twisted.
Each response must match the reference in status, body and the headers that matter.
``Server`` and ``Date`` are Albany's own; ``Connection`` framing is compared through
``Transfer-Encoding`` and ``Content-Length``.
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass, field
from typing import Iterator

import httpx
import pytest

from albany.testing import LiveServer
from tests.adapters.tornado.conftest import ReferenceServer
from tests.adapters.tornado.webapp import STATIC_PATH

COMPARED_HEADERS = (
    "content-type",
    "content-length",
    "transfer-encoding",
    "content-encoding",
    "content-range",
    "accept-ranges",
    "etag",
    "last-modified",
    "location",
    "vary",
    "cache-control",
    "expires",
    "x-asgi",
)
HOST = {"Host": "example.com", "Accept-Encoding": "identity"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@dataclass(frozen=True)
class Probe:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    compare_body: bool = True


def _multipart() -> tuple[dict[str, str], bytes]:
    boundary = "albanyboundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="f"\r\n\r\nv\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="up"; filename="a.txt"\r\n'
        f"Content-Type: text/plain\r\n\r\n{'x' * 3000}\r\n--{boundary}--\r\n"
    ).encode()
    return {"Content-Type": f"multipart/form-data; boundary={boundary}"}, body


MULTIPART_HEADERS, MULTIPART_BODY = _multipart()
with open(os.path.join(STATIC_PATH, "page.txt"), "rb") as _page:
    PAGE_SIZE = len(_page.read())

PROBES = [
    Probe("GET", "/"),
    Probe("HEAD", "/"),
    Probe("GET", "/echo?a=1&a=2&b=%20x"),
    Probe("POST", "/echo?q=1", FORM, b"x=2&y=three"),
    Probe("POST", "/echo", MULTIPART_HEADERS, MULTIPART_BODY),
    Probe(
        "POST",
        "/echo",
        {**FORM, "Content-Encoding": "gzip"},
        gzip.compress(b"z=" + b"9" * 50000),
    ),
    Probe("GET", "/echo", {"X-Forwarded-For": "1.2.3.4, 10.9.9.9", "X-Scheme": "https"}),
    Probe("GET", "/echo", {"X-Real-Ip": "5.6.7.8"}),
    Probe("GET", "/echo", {"Cookie": "a=1; b=two"}),
    Probe("GET", "/redirect"),
    Probe("GET", "/redirect?p=1"),
    Probe("GET", "/status/201"),
    Probe("GET", "/status/204"),
    Probe("GET", "/status/299?reason=Custom"),
    Probe("GET", "/status/404"),
    Probe("GET", "/fail/http"),
    Probe("GET", "/fail/x"),
    Probe("GET", "/no/such/page"),
    Probe("DELETE", "/"),
    Probe("GET", "/static/page.txt"),
    Probe("HEAD", "/static/page.txt"),
    Probe("GET", "/static/page.txt", {"Range": "bytes=10-99"}),
    Probe("GET", "/static/page.txt", {"Range": f"bytes={PAGE_SIZE + 10}-"}),
    Probe("GET", "/static/page.txt", {"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}),
    Probe("GET", "/static/missing.txt"),
    Probe("GET", "/big", {"Accept-Encoding": "gzip"}),
    Probe("GET", "/big?lines=3", {"Accept-Encoding": "gzip"}),
    Probe("GET", "/big"),
    Probe("POST", "/cookie", FORM, b"value=abc"),
    Probe("GET", "/xsrf", compare_body=False),
    Probe("POST", "/xsrf", FORM, b"nothing=here"),
    Probe("PUT", "/upload", {}, b"u" * 300000),
    Probe("GET", "/download?chunks=3&size=5"),
    Probe("GET", "/asgi/some%20where?q=1", {"X-Test": "t"}),
    Probe("POST", "/asgi/echo", {}, b"e" * 200000),
]


def fetch(base_url: str, probe: Probe) -> httpx.Response:
    headers = {**HOST, **probe.headers}
    return httpx.request(
        probe.method, base_url + probe.path, headers=headers, content=probe.body, timeout=30
    )


def describe(response: httpx.Response, probe: Probe) -> dict[str, object]:
    headers = {name: response.headers.get(name) for name in COMPARED_HEADERS}
    if probe.path.startswith("/static/"):
        headers["last-modified"] = headers["last-modified"] is not None
    if not probe.compare_body:  # a random body (an XSRF token): its ETag differs too
        headers["etag"] = headers["etag"] is not None
    cookies = sorted(
        cookie.split("=", 1)[0] + ";" + ";".join(sorted(cookie.split(";")[1:]))
        for cookie in response.headers.get_list("set-cookie")
    )
    return {
        "status": response.status_code,
        "headers": headers,
        "cookies": [c for c in cookies if "expires" not in c.lower()] or cookies and len(cookies),
        "body": response.content if probe.compare_body else len(response.content) > 0,
    }


def compare(reference_url: str, albany_url: str) -> None:
    differences = []
    for probe in PROBES:
        expected = describe(fetch(reference_url, probe), probe)
        got = describe(fetch(albany_url, probe), probe)
        if expected != got:
            differences.append(
                f"{probe.method} {probe.path}:\n  tornado {expected}\n  albany  {got}"
            )
    assert not differences, "\n".join(differences)


def test_albany_matches_tornado(reference: ReferenceServer, tornado_server: LiveServer) -> None:
    compare(reference.url, tornado_server.url)


DROPINS = {
    "asyncio": ("--dropin", "asyncio"),
    "uvloop": ("--dropin", "asyncio", "--uvloop"),
    "tornado": ("--dropin", "tornado"),
    "twisted": ("--dropin", "twisted"),
}


@pytest.fixture(params=sorted(DROPINS))
def dropin(request: pytest.FixtureRequest) -> Iterator[ReferenceServer]:
    """The reference start-up script with ``albany_tornado.HTTPServer`` imported instead."""
    if request.param == "uvloop":
        pytest.importorskip("uvloop")
    if request.param == "twisted":
        pytest.importorskip("twisted")
    server = ReferenceServer(*DROPINS[request.param]).start()
    yield server
    assert server.stop() == 0, "".join(server.lines)


def test_dropin_httpserver_matches_tornado(
    reference: ReferenceServer, dropin: ReferenceServer
) -> None:
    compare(reference.url, dropin.url)

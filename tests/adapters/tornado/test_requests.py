"""What Tornado handlers rely on, served by Albany on every loop (the ``loop`` fixture)."""

from __future__ import annotations

import gzip
import json
import os

import httpx

from albany.testing import LiveServer
from tests.adapters.tornado.conftest import APPLICATION
from tests.adapters.tornado.webapp import STATIC_PATH
from tests.contract.raw import ResponseReader, connect
from tests.observe import events

with open(os.path.join(STATIC_PATH, "page.txt"), "rb") as _page:
    PAGE = _page.read()


def test_request_attributes(tornado_server: LiveServer) -> None:
    response = httpx.post(
        tornado_server.url + "/echo?a=1&a=2&q=%C3%A9",
        data={"x": "2", "y": "three"},
        headers={"Host": "example.com:81", "X-Custom": "c"},
        cookies={"flavour": "neutral"},
    )
    assert response.status_code == 200
    seen = response.json()
    assert seen["method"] == "POST"
    assert seen["uri"] == "/echo?a=1&a=2&q=%C3%A9"
    assert seen["path"] == "/echo"
    assert seen["query"] == "a=1&a=2&q=%C3%A9"
    assert seen["version"] == "HTTP/1.1"
    assert seen["remote_ip"] == "127.0.0.1"
    assert seen["protocol"] == "http"
    assert seen["host"] == "example.com:81"
    assert seen["host_name"] == "example.com"
    assert seen["full_url"] == "http://example.com:81/echo?a=1&a=2&q=%C3%A9"
    assert seen["cookies"] == {"flavour": "neutral"}
    assert seen["arguments"] == {"a": ["1", "2"], "q": ["é"], "x": ["2"], "y": ["three"]}
    assert seen["body_arguments"] == {"x": ["2"], "y": ["three"]}
    assert ["X-Custom", "c"] in seen["headers"]


def test_multipart_files(tornado_server: LiveServer) -> None:
    files = {"upload": ("notes.txt", b"n" * 5000, "text/plain")}
    response = httpx.post(tornado_server.url + "/echo", data={"f": "v"}, files=files)
    seen = response.json()
    assert seen["files"] == {"upload": [["notes.txt", "text/plain", 5000]]}
    assert seen["body_arguments"] == {"f": ["v"]}


def test_xheaders_and_trusted_downstream(tornado_server: LiveServer) -> None:
    forwarded = {"X-Forwarded-For": "1.2.3.4, 10.9.9.9", "X-Forwarded-Proto": "https"}
    seen = httpx.get(tornado_server.url + "/echo", headers=forwarded).json()
    assert seen["remote_ip"] == "1.2.3.4"  # 10.9.9.9 is a trusted downstream proxy: skipped
    assert seen["protocol"] == "https"
    seen = httpx.get(tornado_server.url + "/echo", headers={"X-Real-Ip": "not an ip"}).json()
    assert seen["remote_ip"] == "127.0.0.1"


def test_redirect_status_and_error_pages(tornado_server: LiveServer) -> None:
    url = tornado_server.url
    found = httpx.get(url + "/redirect")
    assert (found.status_code, found.headers["location"]) == (302, "/echo?from=redirect")
    assert httpx.get(url + "/redirect?p=1").status_code == 301
    assert httpx.get(url + "/status/201").text == "status 201"
    no_content = httpx.get(url + "/status/204")
    assert (no_content.status_code, no_content.content) == (204, b"")
    teapot = httpx.get(url + "/fail/http")
    assert teapot.status_code == 418 and "418" in teapot.text
    assert httpx.get(url + "/fail/x").status_code == 500
    assert httpx.get(url + "/no/such/page").status_code == 404


def test_secure_cookie_round_trip(tornado_server: LiveServer) -> None:
    with httpx.Client(base_url=tornado_server.url) as client:
        assert client.post("/cookie", data={"value": "abc"}).text == "set"
        assert client.get("/cookie").json() == {"session": "abc"}
        client.cookies.set("session", "forged|value")
        assert client.get("/cookie").json() == {"session": None}


def test_xsrf(tornado_server: LiveServer) -> None:
    with httpx.Client(base_url=tornado_server.url) as client:
        token = client.get("/xsrf").text
        assert client.cookies.get("_xsrf")
        assert client.post("/xsrf").status_code == 403
        assert client.post("/xsrf", data={"_xsrf": token}).text == "accepted"


def test_static_file_etag_304_and_range(tornado_server: LiveServer) -> None:
    url = tornado_server.url + "/static/page.txt"
    whole = httpx.get(url, headers={"Accept-Encoding": "identity"})
    assert whole.content == PAGE
    assert int(whole.headers["content-length"]) == len(PAGE)
    etag = whole.headers["etag"]
    unchanged = httpx.get(url, headers={"If-None-Match": etag})
    assert (unchanged.status_code, unchanged.content) == (304, b"")
    part = httpx.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.content == PAGE[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(PAGE)}"
    head = httpx.head(url, headers={"Accept-Encoding": "identity"})
    assert (head.headers["content-length"], head.content) == (str(len(PAGE)), b"")


def test_compress_response_and_decompress_request(tornado_server: LiveServer) -> None:
    url = tornado_server.url
    zipped = httpx.get(url + "/big", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.text == "tornado on every loop\n" * 200
    plain = httpx.get(url + "/big", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    form = gzip.compress(b"x=" + b"7" * 100000)
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/x-www-form-urlencoded"}
    seen = httpx.post(url + "/echo", content=form, headers=headers).json()
    assert seen["body_length"] == 100002
    assert seen["body_arguments"] == {"x": ["7" * 100000]}


def test_body_limit_and_streamed_upload(tornado_server: LiveServer) -> None:
    over = 8 * 1024 * 1024 + 1
    with connect(tornado_server) as sock:  # only the head: the answer comes before the body
        sock.sendall(f"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: {over}\r\n\r\n".encode())
        assert ResponseReader(sock).read().status == 400
    body = os.urandom(9 * 1024 * 1024)
    allowed = httpx.put(tornado_server.url + f"/upload?limit={16 << 20}", content=body, timeout=30)
    assert allowed.json() == {"size": len(body), "largest": 65536}
    chunked = httpx.put(tornado_server.url + "/upload", content=iter([b"a" * 70000, b"b" * 10]))
    assert chunked.json()["size"] == 70010


def test_log_function_and_albany_handler(tornado_server: LiveServer) -> None:
    url = tornado_server.url
    described = httpx.get(url + "/asgi/x%20y?q=1", headers={"X-Test": "t"})
    assert described.status_code == 201
    assert described.headers["x-asgi"] == "yes"
    assert described.json() == {
        "method": "GET",
        "path": "/asgi/x y",
        "raw_path": "/asgi/x%20y",
        "root_path": "/asgi",
        "query_string": "q=1",
        "http_version": "1.1",
        "client_host": "127.0.0.1",
        "x_test": "t",
    }
    payload = os.urandom(300000)
    echoed = httpx.post(url + "/asgi/echo", content=iter([payload[:1000], payload[1000:]]))
    assert echoed.content == payload
    assert len(httpx.get(url + "/asgi/big?size=1000000").content) == 1000000
    assert "log 201 GET /asgi/x%20y?q=1" in events(tornado_server)


def test_application_is_detected(start_server: object) -> None:
    """``albany MODULE:application --loop …``: the plain Application, no wrapping by hand."""
    server: LiveServer = start_server(APPLICATION)  # type: ignore[operator]
    response = httpx.get(server.url + "/")
    assert response.text == "Hello, world!"
    assert response.headers["etag"]
    seen = httpx.get(server.url + "/echo", headers={"X-Forwarded-For": "1.2.3.4"}).json()
    assert seen["remote_ip"] == "127.0.0.1"  # no xheaders: Tornado's HTTPServer defaults
    assert json.loads(httpx.get(server.url + "/events").text)


def status_line(server: LiveServer, target: str) -> bytes:
    with connect(server) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: a\r\n\r\n".encode())
        received = b""
        while b"\r\n" not in received:
            chunk = sock.recv(65536)
            assert chunk, received
            received += chunk
    return received.partition(b"\r\n")[0]


def test_reason_phrases_reach_the_status_line(tornado_server: LiveServer) -> None:
    assert status_line(tornado_server, "/status/299?reason=Mostly%20Fine") == (
        b"HTTP/1.1 299 Mostly Fine"  # set_status(code, reason=…)
    )
    assert status_line(tornado_server, "/status/200?reason=Fine%20Indeed") == (
        b"HTTP/1.1 200 Fine Indeed"
    )
    assert status_line(tornado_server, "/fail/reason") == b"HTTP/1.1 503 Back Soon"  # HTTPError
    assert status_line(tornado_server, "/status/201") == b"HTTP/1.1 201 Created"


def test_head_keeps_the_connection(tornado_server: LiveServer) -> None:
    """A HEAD answer declares the GET's Content-Length and has no body: nothing is missing."""
    with connect(tornado_server) as sock:
        for _ in range(2):
            sock.sendall(b"HEAD /static/page.txt HTTP/1.1\r\nHost: a\r\n\r\n")
            response = ResponseReader(sock).read(head=True)
            assert response.status == 200
            assert response.header("content-length") == str(len(PAGE))
            assert response.header("connection") != "close"

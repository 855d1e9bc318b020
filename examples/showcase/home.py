"""The showcase's own part, at ``/``: a neutral app, native on every loop.

It uses only ``receive``, ``send`` and the loop-neutral helpers; its index links
the other parts, each an app of another framework mounted on the same port.
"""

from __future__ import annotations

import html
import json
from typing import Any
from urllib.parse import parse_qs

import albany

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Albany showcase</title>
<style>body{{font-family:system-ui,sans-serif;max-width:46em;margin:2em auto;line-height:1.5}}
code{{background:#f3f3f3;padding:0 .3em}}</style></head>
<body><h1>Albany</h1>
<p>Served by the <strong>{backend}</strong> backend; this app is <code>{flavour}</code>-flavoured,
so its helpers make <strong>{futures}</strong> futures.</p>
<h2>One port, six kinds of app</h2>
<ul>
<li><a href="/legacy/">/legacy/</a>: a twisted.web resource tree
(and <a href="/legacy/deferred">a Deferred render</a>)</li>
<li><a href="/tornado/">/tornado/</a>: a Tornado application</li>
<li><a href="/aiohttp/">/aiohttp/</a>: an aiohttp application</li>
<li><a href="/flask/">/flask/</a>: a Flask (WSGI) application</li>
<li><a href="/starlette/">/starlette/</a>: a Starlette (ASGI) application</li>
</ul>
<p>Each page says which framework answered and which backend and loop served it.</p>
<h2>This app: neutral, so native on every loop</h2>
<ul>
<li><a href="/hello">/hello</a>: plain text, one write</li>
<li><a href="/stream">/stream</a>: a chunked response, one line every 0.2 s (helpers.sleep)</li>
<li><a href="/thread">/thread</a>: work done in the loop's thread pool (helpers.run_in_thread)</li>
<li><a href="/scope">/scope</a>: the request's scope, as JSON</li>
</ul>
<h2>WebSocket, through every framework</h2>
<p><a href="/websocket">/websocket</a>: one page talking to five WebSocket endpoints on this
port: this app's, a twisted.web <code>WebSocketResource</code>, a Tornado
<code>WebSocketHandler</code>, an aiohttp <code>WebSocketResponse</code> and a Starlette route,
all on Albany's frames.</p>
<form method="post" action="/echo"><p>POST a body to <code>/echo</code>:
<input name="text" value="hello"> <button>send</button></p></form>
<p>Try the same app on another loop: <code>scripts/demo --loop twisted</code>,
<code>--loop tornado</code>, <code>--loop asyncio</code>, <code>--loop uvloop</code>.</p>
</body></html>
"""


WEBSOCKET_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Albany showcase: WebSocket</title>
<style>body{font-family:system-ui,sans-serif;max-width:46em;margin:2em auto;line-height:1.5}
li{margin:.3em 0}output{display:block;color:#064;font-family:monospace}</style></head>
<body><h1>WebSocket on one port</h1>
<p><input id="text" value="hello"> is sent to each endpoint; each answers with who it is.</p>
<ul id="endpoints"></ul>
<p><a href="/">back</a></p>
<script>
const endpoints = [
  ["/ws", "Albany's own neutral app"],
  ["/legacy/ws", "twisted.web WebSocketResource"],
  ["/tornado/ws", "Tornado WebSocketHandler"],
  ["/aiohttp/ws", "aiohttp WebSocketResponse"],
  ["/starlette/ws", "Starlette websocket route"],
];
const list = document.getElementById("endpoints");
for (const [path, name] of endpoints) {
  const item = document.createElement("li");
  const button = document.createElement("button");
  const output = document.createElement("output");
  button.textContent = "send to " + path;
  item.append(button, " " + name, output);
  list.append(item);
  button.onclick = () => {
    const socket = new WebSocket(`ws://${location.host}${path}`);
    socket.onopen = () => socket.send(document.getElementById("text").value);
    socket.onmessage = (event) => { output.textContent = event.data; socket.close(); };
    socket.onerror = () => { output.textContent = "could not connect"; };
  };
}
</script></body></html>
"""


async def echo(scope: Any, receive: Any, send: Any) -> None:
    """A WebSocket echo in the neutral flavour: each text message comes back, annotated."""
    backend = scope["extensions"]["albany"]["backend"]
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        text = f"{message.get('text') or ''} (Albany's neutral app on {backend})"
        await send({"type": "websocket.send", "text": text})


async def send_response(send: Any, status: int, body: bytes, content_type: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", content_type)],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def read_body(receive: Any) -> bytes:
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    return body


@albany.flavour("neutral")
async def app(scope: Any, receive: Any, send: Any) -> None:
    """The showcase: an index page and a few routes that show the helpers at work."""
    if scope["type"] == "websocket":
        if scope["path"] == "/ws":
            await echo(scope, receive, send)
        else:
            await send({"type": "websocket.close", "code": 1008})
        return
    if scope["type"] != "http":
        return  # lifespan: nothing to set up
    albany_ext = scope["extensions"]["albany"]
    helpers = albany_ext["helpers"]
    path = scope["path"]
    if path == "/":
        page = PAGE.format(
            backend=html.escape(albany_ext["backend"]),
            flavour=html.escape(albany_ext["flavour"]),
            futures="Deferred" if helpers.loop_name == "twisted" else "asyncio",
        )
        await send_response(send, 200, page.encode(), b"text/html; charset=utf-8")
    elif path == "/websocket":
        await send_response(send, 200, WEBSOCKET_PAGE.encode(), b"text/html; charset=utf-8")
    elif path == "/hello":
        text = f"Hello from Albany on {albany_ext['backend']}!\n"
        await send_response(send, 200, text.encode(), b"text/plain; charset=utf-8")
    elif path == "/stream":
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")],
            }
        )
        for i in range(1, 11):
            line = f"line {i} of 10 from {albany_ext['backend']}\n".encode()
            await send({"type": "http.response.body", "body": line, "more_body": True})
            await helpers.sleep(0.2)
        await send({"type": "http.response.body", "body": b"done\n"})
    elif path == "/thread":
        total = await helpers.run_in_thread(sum, range(1_000_000))
        text = f"sum(range(1_000_000)) = {total}, computed in a worker thread\n"
        await send_response(send, 200, text.encode(), b"text/plain; charset=utf-8")
    elif path == "/scope":
        shown = {key: value for key, value in scope.items() if key not in ("extensions", "state")}
        shown["headers"] = [[k.decode(), v.decode()] for k, v in scope["headers"]]
        shown["raw_path"] = scope["raw_path"].decode("latin-1")
        shown["query_string"] = scope["query_string"].decode("latin-1")
        shown["albany"] = {"backend": albany_ext["backend"], "flavour": albany_ext["flavour"]}
        body = json.dumps(shown, indent=2).encode()
        await send_response(send, 200, body, b"application/json")
    elif path == "/echo" and scope["method"] == "POST":
        form = parse_qs((await read_body(receive)).decode("utf-8", "replace"))
        text = form.get("text", [""])[0]
        await send_response(send, 200, f"You sent: {text}\n".encode(), b"text/plain; charset=utf-8")
    else:
        await send_response(send, 404, b"Not Found\n", b"text/plain")

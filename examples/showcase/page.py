"""The HTML page each framework's part answers with: what it is, who served it, a form.

Every part builds its page here, through its own framework's request and response API, so
the pages look alike while each is rendered by a different framework.
"""

from __future__ import annotations

import html

STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:46em;margin:2em auto;line-height:1.5}"
    "code{background:#f3f3f3;padding:0 .3em}.served{color:#064}"
)


def framework_page(framework: str, prefix: str, what: str, greeting: str, name: str) -> str:
    """The page of the part at ``prefix``; ``greeting`` already names ``name`` and the server."""
    title = html.escape(f"{framework} at {prefix}/")
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{title}: Albany showcase</title>
<style>{STYLE}</style></head>
<body><h1>{title}</h1>
<p>{what}</p>
<p class="served" id="greeting">{html.escape(greeting, quote=False)}</p>
<form method="get" action="{prefix}/"><p>Your name:
<input name="name" id="name" value="{html.escape(name, quote=True)}">
<button id="greet">greet me</button></p></form>
<p>The form is handled by {html.escape(framework, quote=False)} itself: it reads the query
string through its own request object and renders this page again.</p>
<p><a href="/" id="back">back to every app</a></p>
</body></html>
"""

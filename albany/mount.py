"""Apps of different kinds side by side on one server, by path prefix: the migration path.

``Mount({"/legacy": site_root, "/api": aiohttp_app, "/": asgi_app})`` wraps each app
by detection (``albany.app_kinds``). Served by Albany, each mounted app gets its own
runner, so a twisted.web tree, an aiohttp app and a neutral app are each driven in
their own flavour; lifespan reaches every app that speaks it. The longest matching
prefix wins; a prefix matches itself and what follows a ``/``; no match is a 404.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Union
from urllib.parse import quote, unquote

from albany.app_kinds import as_albany_app
from albany.flavour import flavour_of
from albany.types import App

Routes = Union[Mapping[str, Any], Iterable[tuple[str, Any]]]


def covers(prefix: str, path: str) -> bool:
    """Whether an app mounted at ``prefix`` serves ``path``."""
    return not prefix or path == prefix or path.startswith(prefix + "/")


def path_below(scope: Mapping[str, Any]) -> str:
    """The path an app routes on: ``scope["path"]`` below ``scope["root_path"]``.

    The one mount rule every adapter follows (ASGI's): ``root_path`` is where the app is
    mounted, ``path`` keeps it, and the app routes on what follows — ``""`` at the mount
    point itself. A ``path`` outside ``root_path`` is returned whole.
    """
    root_path: str = scope.get("root_path", "")
    path: str = scope["path"]
    return path[len(root_path) :] if _inside(root_path, path) else path


def raw_path_below(scope: Mapping[str, Any]) -> bytes:
    """``path_below`` as the client spelled it: ``raw_path`` without the ``root_path`` segments."""
    root_path: str = scope.get("root_path", "")
    raw: bytes | None = scope.get("raw_path")
    if not _inside(root_path, scope["path"]):
        return raw if raw is not None else quote(scope["path"]).encode("ascii")
    below = quote(scope["path"][len(root_path) :]).encode("ascii")
    if raw is None:
        return below
    segments = root_path.count("/")
    parts = raw.split(b"/", segments + 1)
    taken = b"/".join(parts[: segments + 1])
    if unquote(taken.decode("latin-1"), "utf-8", "surrogateescape") != root_path:
        return below  # the prefix was spelled with an escaped "/"
    return b"/" + parts[segments + 1] if len(parts) > segments + 1 else b""


def _inside(root_path: str, path: str) -> bool:
    return bool(root_path) and covers(root_path, path)


def normalise_prefix(prefix: str) -> str:
    """``"/api/"`` → ``"/api"``; ``"/"`` → ``""`` (the whole path space)."""
    if not prefix.startswith("/"):
        raise ValueError(f"A mount prefix starts with '/': {prefix!r}")
    return prefix.rstrip("/")


class Mount:
    """A table of (prefix, app), longest prefix first; nested Mounts are flattened."""

    def __init__(self, routes: Routes) -> None:
        items = routes.items() if isinstance(routes, Mapping) else routes
        table: dict[str, App] = {}
        for prefix, app in items:
            prefix = normalise_prefix(prefix)
            if isinstance(app, Mount):
                for inner, inner_app in app.routes:
                    table[prefix + inner] = inner_app
            else:
                if prefix in table:
                    raise ValueError(f"Two apps are mounted at {prefix or '/'!r}")
                table[prefix] = as_albany_app(app)
        self.routes: list[tuple[str, App]] = sorted(
            table.items(), key=lambda item: len(item[0]), reverse=True
        )

    def match(self, path: str) -> tuple[str, App] | None:
        """The (prefix, app) serving ``path`` (the path below the server's root_path)."""
        for prefix, app in self.routes:
            if covers(prefix, path):
                return prefix, app
        return None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Plain ASGI dispatch, for use outside Albany (asyncio and neutral apps only)."""
        if scope["type"] == "lifespan":
            raise RuntimeError("Serve a Mount with Albany to fan lifespan out to its apps")
        root_path = scope.get("root_path", "")
        found = self.match(path_below(scope))
        if found is None:
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b"Not Found"})
            return
        prefix, app = found
        if flavour_of(app) == "twisted":
            raise RuntimeError("A twisted-flavoured app in a Mount needs Albany's server")
        await app({**scope, "root_path": root_path + prefix}, receive, send)

"""Every test that takes ``client`` runs on every loop, twice: over a real socket and in memory.

The Albany plugin (installed with Albany) gives ``albany_loop``, ``albany_client`` (a live
server on 127.0.0.1 and an httpx client) and ``albany_memory_client`` (the gateway on the
same loop, no socket); ``albany_app`` comes from pyproject.toml. Both clients answer
``get``/``put`` with responses that have ``status_code``, ``headers``, ``text`` and ``json()``.
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(params=["live", "memory"])
def client(request: pytest.FixtureRequest, albany_loop: str) -> Any:
    # albany_loop is named here so that the plugin parametrises every test using ``client``.
    name = "albany_client" if request.param == "live" else "albany_memory_client"
    return request.getfixturevalue(name)

"""The demo app on every loop, through both clients."""

from __future__ import annotations

from typing import Any

import pytest

BACKEND = {"twisted-asyncio": "twisted"}


def test_home_says_which_loop_served_it(client: Any, albany_loop: str) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.text == f"Hello from {BACKEND.get(albany_loop, albany_loop)}"


def test_path_parameters_and_query(client: Any) -> None:
    assert client.get("/items/pen?colour=red").json() == {
        "name": "pen",
        "query": {"colour": "red"},
    }


def test_request_body(client: Any) -> None:
    response = client.put("/items/pen", json={"count": 3})
    assert response.json() == {"name": "pen", "stored": {"count": 3}}


def test_loop_neutral_helpers(client: Any) -> None:
    assert client.get("/slow?s=0.01").text == "slept, then 6"


def test_not_found_and_wrong_method(client: Any) -> None:
    assert client.get("/nothing").status_code == 404
    response = client.post("/items/pen")
    assert (response.status_code, response.headers["allow"]) == (405, "GET, PUT")


@pytest.mark.albany_loops("twisted", "twisted-asyncio")
def test_twisted_only(albany_memory_client: Any) -> None:
    """The marker keeps a test to some loops."""
    assert albany_memory_client.get("/").text == "Hello from twisted"

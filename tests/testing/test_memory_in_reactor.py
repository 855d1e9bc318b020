"""The in-memory client inside pytest-twisted's reactor (``tox -e pytest-twisted``).

pytest-twisted runs every test inside its reactor; there a test awaits the Deferred of a
response rather than blocking. Skipped where pytest-twisted is not installed.
"""

from __future__ import annotations

import pytest

from albany.testing import MemoryClient

pytest_twisted = pytest.importorskip("pytest_twisted")


@pytest.fixture
def albany_app() -> str:
    return "tests.apps.contract:twisted_app"


@pytest_twisted.ensureDeferred
async def test_awaits_responses_inside_the_reactor(
    albany_memory_client: MemoryClient, albany_loop: str
) -> None:
    response = await albany_memory_client.request_deferred("GET", "/native")
    assert (response.status_code, response.text.split()[0]) == (200, "twisted")
    slept = await albany_memory_client.request_deferred("GET", "/sleep?s=0.01")
    assert slept.text == "slept"
    scope = (await albany_memory_client.request_deferred("GET", "/scope")).json()
    assert scope["backend"] == {"tornado": "tornado", "asyncio": "asyncio"}.get(
        albany_loop, scope["backend"]
    )


def test_plain_tests_on_twisted_are_skipped_with_the_reason(
    albany_memory_client: MemoryClient, albany_loop: str
) -> None:
    """Reached only on loops other than Twisted's; the others skip, saying what to write."""
    assert albany_loop not in ("twisted", "twisted-asyncio")
    assert albany_memory_client.get("/").status_code == 200

"""Choosing loops: the command line, then ALBANY_TEST_LOOPS, then the ini file, then all."""

from __future__ import annotations

import pytest

from albany.testing import LOOPS, chosen_loops
from albany.testing.options import UnknownLoop, parse_loops


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("asyncio", ["asyncio"]),
        ("asyncio,tornado", ["asyncio", "tornado"]),
        (" twisted  twisted-asyncio ", ["twisted", "twisted-asyncio"]),
        ("uvloop, asyncio,uvloop", ["uvloop", "asyncio"]),
        (["asyncio tornado", "twisted"], ["asyncio", "tornado", "twisted"]),
        ("", []),
    ],
)
def test_parse_loops(text: str | list[str], expected: list[str]) -> None:
    assert parse_loops(text) == expected


def test_an_unknown_loop_is_an_error_not_an_empty_run() -> None:
    with pytest.raises(UnknownLoop, match="'trio'"):
        parse_loops("asyncio,trio")


def test_first_given_source_wins() -> None:
    assert chosen_loops("tornado", "asyncio", ["twisted"]) == ["tornado"]
    assert chosen_loops(None, "asyncio", ["twisted"]) == ["asyncio"]
    assert chosen_loops(None, None, ["twisted"]) == ["twisted"]
    assert chosen_loops("", "", []) == list(LOOPS)

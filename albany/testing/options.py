"""Which loops a test run covers: the command line, then ``ALBANY_TEST_LOOPS``, then the ini file.

=================== ================================= =========================
where               how                               example
=================== ================================= =========================
command line        ``--albany-loops LIST``           ``--albany-loops asyncio,tornado``
environment         ``ALBANY_TEST_LOOPS=LIST``        what each tox environment sets
ini file            ``albany_loops = NAME ...``       ``albany_loops = asyncio twisted``
=================== ================================= =========================

The first one given wins; with none, every loop in ``LOOPS``. Names are separated by
commas or whitespace; an unknown name is an error, not an empty run.
"""

from __future__ import annotations

import re
from typing import Iterable

from albany.testing.live import LOOPS

ENV_VARIABLE = "ALBANY_TEST_LOOPS"


class UnknownLoop(ValueError):
    """A loop name that ``LOOPS`` does not hold."""


def parse_loops(text: str | Iterable[str]) -> list[str]:
    """Loop names from ``"a,b"``, ``"a b"`` or a list of such; checked against ``LOOPS``."""
    pieces = [text] if isinstance(text, str) else list(text)
    names: list[str] = []
    for piece in pieces:
        for name in re.split(r"[,\s]+", piece.strip()):
            if not name:
                continue
            if name not in LOOPS:
                raise UnknownLoop(f"Unknown loop {name!r}; expected some of {', '.join(LOOPS)}")
            if name not in names:
                names.append(name)
    return names


def chosen_loops(
    option: str | None, environment: str | None, ini: str | Iterable[str] | None
) -> list[str]:
    """The loops to run on: the first of ``option``, ``environment``, ``ini`` that is given."""
    for given in (option, environment, ini):
        if given:
            loops = parse_loops(given)
            if loops:
                return loops
    return list(LOOPS)

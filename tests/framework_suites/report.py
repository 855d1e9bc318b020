"""Outcomes of a framework's own suite on each side, compared, and printed as one table."""

from __future__ import annotations

import fnmatch
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"


@dataclass
class Side:
    """One run of the suite; ``name`` names the server (``tornado``, ``albany-asyncio``…).

    ``outcomes`` maps a test id (``module::Class::test``) to passed, failed or skipped.
    """

    name: str
    outcomes: dict[str, str] = field(default_factory=dict)

    def modules(self) -> set[str]:
        """The modules this run has outcomes for."""
        return {module_of(test) for test in self.outcomes}

    def count(self, module: str, outcome: str) -> int:
        """How many tests of ``module`` ended with ``outcome``."""
        return sum(
            1 for test, got in self.outcomes.items() if got == outcome and module_of(test) == module
        )


@dataclass(frozen=True)
class Explained:
    """A failure seen only on Albany, and why it is expected (a doc line or a private internal)."""

    test: str
    side: str
    reason: str


def module_of(test: str) -> str:
    """The module part of a test id."""
    return test.split("::", 1)[0]


def read_junit(path: Path) -> dict[str, str]:
    """Outcomes from a JUnit XML report (as ``pytest --junitxml`` writes it)."""
    outcomes: dict[str, str] = {}
    for case in ElementTree.parse(path).iter("testcase"):
        classname = case.get("classname", "")
        # pytest writes the classname as dotted module[.Class]; the id keeps it as it is.
        test = "::".join(part for part in (classname, case.get("name", "")) if part)
        if case.find("skipped") is not None:
            outcomes[test] = SKIPPED
        elif case.find("failure") is not None or case.find("error") is not None:
            outcomes[test] = FAILED
        else:
            outcomes[test] = PASSED
    return outcomes


def albany_only(reference: Side, albany: Side) -> list[str]:
    """Tests that fail on ``albany`` but pass (or are absent) on the framework's own server."""
    return sorted(
        test
        for test, got in albany.outcomes.items()
        if got == FAILED and reference.outcomes.get(test) != FAILED
    )


def explain(failures: Iterable[str], side: str, known: Mapping[str, str]) -> list[Explained | str]:
    """Each failure with its reason from ``known`` (test-id glob -> reason), bare if none fits."""
    result: list[Explained | str] = []
    for test in failures:
        reason = next((why for glob, why in known.items() if fnmatch.fnmatchcase(test, glob)), None)
        result.append(Explained(test, side, reason) if reason else test)
    return result


def render(
    framework: str, reference: Side, albany: list[Side], known: Mapping[str, str]
) -> tuple[str, int]:
    """The markdown table and the number of unexplained Albany-only failures."""
    sides = [reference, *albany]
    lines = [f"## {framework}", ""]
    header = "| module | " + " | ".join(f"{side.name} passed/failed" for side in sides) + " |"
    lines += [header, "|---|" + "---|" * len(sides)]
    modules = sorted(set().union(*(side.modules() for side in sides)))
    for module in modules:
        cells = [f"{side.count(module, PASSED)}/{side.count(module, FAILED)}" for side in sides]
        lines.append(f"| {module} | " + " | ".join(cells) + " |")
    totals = [
        f"**{sum(1 for o in side.outcomes.values() if o == PASSED)}/"
        f"{sum(1 for o in side.outcomes.values() if o == FAILED)}**"
        for side in sides
    ]
    lines.append("| **all** | " + " | ".join(totals) + " |")
    unexplained = 0
    lines += ["", "Failures seen only on Albany:", ""]
    any_listed = False
    for side in albany:
        for item in explain(albany_only(reference, side), side.name, known):
            any_listed = True
            if isinstance(item, Explained):
                lines.append(f"- `{item.test}` ({item.side}): {item.reason}")
            else:
                unexplained += 1
                lines.append(f"- `{item}` ({side.name}): **unexplained**")
    if not any_listed:
        lines.append("- none")
    return "\n".join(lines) + "\n", unexplained

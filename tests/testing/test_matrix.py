"""The tox matrix tests each adapter's framework at the versions setup.py declares."""

from __future__ import annotations

import ast
import configparser
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[2]


def framework_versions() -> dict[str, tuple[str, str]]:
    """``FRAMEWORK_VERSIONS`` from setup.py, read without running it."""
    tree = ast.parse((ROOT / "setup.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == (
            "FRAMEWORK_VERSIONS"
        ):
            value: dict[str, tuple[str, str]] = ast.literal_eval(node.value)
            return value
    raise AssertionError("setup.py declares no FRAMEWORK_VERSIONS")


def tox() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "tox.ini", encoding="utf-8")
    return parser


ENVIRONMENTS = {"twisted": "twisted-web", "tornado": "tornado", "aiohttp": "aiohttp"}


def test_every_adapter_framework_has_both_ends() -> None:
    versions = framework_versions()
    assert set(versions) == set(ENVIRONMENTS)
    envlist = tox()["tox"]["envlist"]
    for environment in ENVIRONMENTS.values():
        assert f"{environment}-{{oldest,newest}}" in envlist, environment


def test_oldest_pins_and_newest_ranges_agree_with_setup_py() -> None:
    config = tox()
    for framework, (oldest, below) in framework_versions().items():
        section = config[f"testenv:{ENVIRONMENTS[framework]}-{{oldest,newest}}"]
        deps = section["deps"]
        assert f"oldest: {framework}=={oldest}" in deps
        assert f"newest: {framework}>={oldest},<{below}" in deps
        assert f"{framework} {oldest}" in section["commands"]  # the pin is checked


def test_installed_extras_carry_the_same_bounds() -> None:
    """What pip sees: albany's metadata (``pip install -e .`` after editing setup.py)."""
    requirements = [Requirement(text) for text in metadata.requires("albany") or []]
    for framework, (oldest, below) in framework_versions().items():
        found = [
            r
            for r in requirements
            if r.name.lower() == framework and r.marker and r.marker.evaluate({"extra": framework})
        ]
        assert found, framework
        assert all(r.specifier == SpecifierSet(f">={oldest},<{below}") for r in found), found

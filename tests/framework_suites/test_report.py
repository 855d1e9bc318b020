"""The comparison the framework-suite runners print: which failures are Albany's alone, and why."""

from __future__ import annotations

from pathlib import Path

from tests.framework_suites.report import (
    FAILED,
    PASSED,
    SKIPPED,
    Explained,
    Side,
    albany_only,
    explain,
    read_junit,
    render,
)

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest">
  <testcase classname="tornado.test.web_test.HelloTest" name="test_ok"/>
  <testcase classname="tornado.test.web_test.HelloTest" name="test_bad">
    <failure message="boom">trace</failure></testcase>
  <testcase classname="tornado.test.web_test.HelloTest" name="test_broken">
    <error message="setup">trace</error></testcase>
  <testcase classname="tornado.test.web_test" name="test_skip">
    <skipped message="no"/></testcase>
</testsuite></testsuites>
"""


def test_read_junit_maps_failures_errors_and_skips(tmp_path: Path) -> None:
    report = tmp_path / "side.xml"
    report.write_text(JUNIT)

    assert read_junit(report) == {
        "tornado.test.web_test.HelloTest::test_ok": PASSED,
        "tornado.test.web_test.HelloTest::test_bad": FAILED,
        "tornado.test.web_test.HelloTest::test_broken": FAILED,
        "tornado.test.web_test::test_skip": SKIPPED,
    }


def test_albany_only_leaves_out_what_fails_on_the_framework_too() -> None:
    reference = Side("tornado", {"m::a": PASSED, "m::b": FAILED, "m::c": SKIPPED})
    albany = Side(
        "albany-asyncio", {"m::a": FAILED, "m::b": FAILED, "m::c": FAILED, "m::d": FAILED}
    )

    assert albany_only(reference, albany) == ["m::a", "m::c", "m::d"]


def test_explain_takes_the_first_matching_glob_and_leaves_the_rest_bare() -> None:
    known = {"m::Private*": "private internals", "m::*": "catch-all"}

    got = explain(["m::PrivateTest::x", "other::y"], "albany-twisted", known)

    assert got == [
        Explained("m::PrivateTest::x", "albany-twisted", "private internals"),
        "other::y",
    ]


def test_render_counts_each_module_and_the_unexplained_failures() -> None:
    reference = Side("aiohttp", {"a::t1": PASSED, "a::t2": PASSED, "b::t3": PASSED})
    albany = Side("albany-asyncio", {"a::t1": PASSED, "a::t2": FAILED, "b::t3": FAILED})

    table, unexplained = render("aiohttp", reference, [albany], {"b::*": "docs line 3"})

    assert unexplained == 1
    assert "| a | 2/0 | 1/1 |" in table
    assert "| b | 1/0 | 0/1 |" in table
    assert "| **all** | **3/0** | **1/2** |" in table
    assert "- `b::t3` (albany-asyncio): docs line 3" in table
    assert "- `a::t2` (albany-asyncio): **unexplained**" in table


def test_render_says_none_when_albany_matches_the_framework() -> None:
    side = {"a::t1": PASSED}

    table, unexplained = render("x", Side("x", dict(side)), [Side("albany-asyncio", side)], {})

    assert unexplained == 0
    assert "- none" in table

"""The benchmark page's charts are drawn from the recorded results, and stay in step with them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ROOT_DIR

pytest.importorskip("matplotlib")

from benchmarks.charts import CHARTS, RESULTS, draw, label  # noqa: E402

RECORDED = sorted(RESULTS.glob("*.json"))


def test_there_are_recorded_results() -> None:
    assert {path.stem for path in RECORDED} >= {"core", "twisted_web", "tornado", "aiohttp"}


@pytest.mark.parametrize("path", RECORDED, ids=lambda path: path.stem)
def test_each_chart_shows_every_figure_of_its_results(path: Path) -> None:
    document = json.loads(path.read_text())
    chart = (CHARTS / f"{document['suite']}.svg").read_text()

    for result in document["results"]:
        assert result["name"] in chart
        assert label(result["requests_per_s"]) in chart, result["name"]


@pytest.mark.parametrize("path", RECORDED, ids=lambda path: path.stem)
def test_the_committed_chart_is_what_the_results_draw(path: Path, tmp_path: Path) -> None:
    document = json.loads(path.read_text())
    drawn = tmp_path / "chart.svg"
    draw(document, drawn)

    texts = lambda svg: [line for line in svg.splitlines() if "<text" in line or "<!--" in line]  # noqa: E731
    committed = (CHARTS / f"{document['suite']}.svg").read_text()
    assert texts(drawn.read_text()) == texts(committed)


def test_the_benchmark_page_shows_each_chart() -> None:
    page = Path(ROOT_DIR, "docs", "benchmarks.md").read_text()
    for path in RECORDED:
        assert f"(benchmarks/charts/{path.stem}.svg)" in page

"""The benchmark page's charts, drawn from the recorded results.

    .venv/bin/python -m benchmarks.charts            # every docs/benchmarks/results/*.json
    .venv/bin/python -m benchmarks.charts core.json  # one

Each results file (what ``benchmarks/run --json`` writes, plus ``suite`` and ``recorded``)
becomes ``docs/benchmarks/charts/SUITE.svg``: requests per second for each server, Albany's
bars in colour, the others grey, each bar labelled with its figure. The SVG is written
reproducibly (no date, fixed ids), so a chart changes only when its numbers do.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "docs" / "benchmarks" / "results"
CHARTS = ROOT / "docs" / "benchmarks" / "charts"
ALBANY = "#2b6cb0"
OTHER = "#a0aec0"


def label(requests_per_s: float) -> str:
    """The figure printed on a bar: ``54,161``."""
    return f"{requests_per_s:,.0f}"


def draw(document: dict[str, Any], target: Path) -> None:
    """One horizontal bar chart of ``document``'s results, as SVG, into ``target``."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    matplotlib.rcParams["svg.hashsalt"] = "albany-benchmarks"
    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: searchable, testable
    results = [r for r in document["results"] if r.get("ok") and r.get("requests_per_s")]
    names = [r["name"] for r in results]
    values = [float(r["requests_per_s"]) for r in results]
    colours = [
        ALBANY if name.startswith("albany") or "-albany-" in name else OTHER for name in names
    ]
    figure, axes = pyplot.subplots(figsize=(8, 0.45 * len(names) + 1.2))
    bars = axes.barh(names, values, color=colours)
    axes.invert_yaxis()
    axes.set_xlabel("requests per second (more is better)")
    axes.set_title(
        f"{document['suite']}: {document['command']} ({document['recorded']})", fontsize=9
    )
    for bar, value in zip(bars, values, strict=True):
        axes.text(
            bar.get_width(),
            bar.get_y() + bar.get_height() / 2,
            " " + label(value),
            va="center",
            fontsize=8,
        )
    axes.set_xlim(0, max(values) * 1.18)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    figure.tight_layout()
    target.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(target, format="svg", metadata={"Date": None})
    pyplot.close(figure)


def main(argv: list[str] | None = None) -> int:
    names = argv if argv is not None else sys.argv[1:]
    files = [RESULTS / name for name in names] if names else sorted(RESULTS.glob("*.json"))
    for path in files:
        document = json.loads(path.read_text())
        target = CHARTS / f"{document['suite']}.svg"
        draw(document, target)
        print(f"{path.relative_to(ROOT)} -> {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

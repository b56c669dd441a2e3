"""Charts of the benchmarks' ratios, drawn from their own result files.

    python benchmarks/charts.py [--results benchmarks/results] [--out docs/pages/img/bench]
                                [--include benchmarks/results/charts.md]

Every ``<script>.json`` written by ``_report.Report`` (schema checked by ``_report.validate``)
that has rows with a ``ratio`` becomes ``<out>/<script>.svg`` (named after the result file): one
horizontal bar per such row, its length the ratio to the row it was compared with, a line at
ratio 1 (as fast as the baseline) and, where the row has a ``target``, a dashed mark at it (red
bar: over the target). The SVG is written by hand, no plotting library. ``--include`` gets a
markdown fragment that shows every chart with the command that produced its figures; the
documentation's performance page includes it. A malformed result file stops the run with a
message naming the file and what is wrong in it; nothing is written then.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from _report import RESULTS, validate

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "pages" / "img" / "bench"
INCLUDE = RESULTS / "charts.md"

WIDTH = 760
LEFT = 16  # bars start here; labels sit above them
BAR = 14
ROW = 40
TOP = 52


class ChartError(Exception):
    """A result file that cannot be charted: the message names it and says why."""


def load(path: Path) -> dict[str, Any]:
    """The content of one result file, schema checked.

    Raises:
        ChartError: The file is not JSON, or not a result file (message names the file).
    """
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ChartError(f"{path}: not a readable JSON result file: {exc}") from exc
    try:
        return validate(data, source=str(path))
    except ValueError as exc:
        raise ChartError(str(exc)) from exc


def compared(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows that have a ratio: the ones a chart shows."""
    return [row for row in data["rows"] if row.get("ratio") is not None]


def svg(data: dict[str, Any]) -> str:
    """One chart: a bar per compared row, the line at ratio 1, the targets."""
    rows = compared(data)
    top = max([1.0, *(row["ratio"] for row in rows), *(row.get("target") or 0 for row in rows)])
    scale_max = top * 1.12
    span = WIDTH - LEFT - 90

    def x(ratio: float) -> float:
        return LEFT + span * ratio / scale_max

    height = TOP + ROW * len(rows) + 28
    title = escape(f"{data['script']}: ratio to the compared row (lower is faster)")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12" '
        f'role="img" aria-label="{title}">',
        f"<title>{title}</title>",
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        f'<text x="{LEFT}" y="20" font-size="14" font-weight="bold">{title}</text>',
        f'<text x="{LEFT}" y="38" fill="#555555">{escape(data["command"])}</text>',
    ]
    for index, row in enumerate(rows):
        y = TOP + ROW * index
        ratio, target = float(row["ratio"]), row.get("target")
        over = target is not None and ratio > target
        colour = "#c62828" if over else "#3f51b5"
        label = f"{row['name']}, vs {_short(row['baseline'], row['name'])}"
        parts.append(f'<text x="{LEFT}" y="{y + 10}">{escape(label)}</text>')
        parts.append(
            f'<rect x="{LEFT}" y="{y + 15}" width="{x(ratio) - LEFT:.1f}" height="{BAR}" '
            f'fill="{colour}"><title>{escape(row["name"])}: {ratio:.3f}×</title></rect>'
        )
        parts.append(f'<text x="{x(ratio) + 6:.1f}" y="{y + 26}">{ratio:.3f}×</text>')
        if target is not None:
            tx = x(float(target))
            parts.append(
                f'<line x1="{tx:.1f}" y1="{y + 12}" x2="{tx:.1f}" y2="{y + 32}" '
                'stroke="#c62828" stroke-width="2" stroke-dasharray="3,2"/>'
            )
    one = x(1.0)
    bottom = TOP + ROW * len(rows)
    parts.append(
        f'<line x1="{one:.1f}" y1="{TOP - 4}" x2="{one:.1f}" y2="{bottom}" '
        'stroke="#222222" stroke-width="1"/>'
    )
    parts.append(f'<text x="{one:.1f}" y="{bottom + 16}" text-anchor="middle">1× (baseline)</text>')
    legend = "dashed red: target" if any(row.get("target") for row in rows) else ""
    parts.append(f'<text x="{WIDTH - 16}" y="{bottom + 16}" text-anchor="end">{legend}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _short(baseline: str, name: str) -> str:
    """The baseline's name without the part it shares with the row's (``list: raw httpx``
    beside ``list: zcrm_async`` is ``raw httpx``)."""
    head, _, side = baseline.rpartition(": ")
    return side if head and name.startswith(head + ": ") else baseline


def markdown(charts: list[tuple[dict[str, Any], Path]], page_dir: Path) -> str:
    """The fragment showing each chart (paths relative to the page that includes it)."""
    lines = [
        "<!-- Generated by benchmarks/charts.py from benchmarks/results/*.json; "
        "do not edit: run nox -s bench. -->",
        "",
    ]
    for data, path in charts:
        link = os.path.relpath(path, page_dir).replace(os.sep, "/")
        lines += [
            f"### {data['script']}",
            "",
            f"![{data['script']}: ratios]({link})",
            "",
            f"Figures from `{data['command']}`.",
            "",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--include", type=Path, default=INCLUDE)
    parser.add_argument(
        "--page-dir",
        type=Path,
        default=ROOT / "docs" / "pages",
        help="the folder of the page that includes --include (image links are relative to it)",
    )
    args = parser.parse_args(argv)
    files = sorted(args.results.glob("*.json"))
    if not files:
        print(
            f"charts: no result files in {args.results}; run the benchmarks first", file=sys.stderr
        )
        return 1
    try:
        results = [(file, load(file)) for file in files]
    except ChartError as exc:
        print(f"charts: {exc}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    charts: list[tuple[dict[str, Any], Path]] = []
    for file, data in results:
        if not compared(data):
            continue
        path = args.out / f"{file.stem}.svg"  # named after the result file
        path.write_text(svg(data), "utf-8")
        charts.append((data, path))
    args.include.parent.mkdir(parents=True, exist_ok=True)
    args.include.write_text(markdown(charts, args.page_dir), "utf-8")
    print(f"charts: {len(charts)} charts in {args.out}, shown by {args.include}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

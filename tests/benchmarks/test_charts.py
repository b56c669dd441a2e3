"""The performance page's charts are drawn from the benchmarks' result files, and a malformed
result file stops the generator with a message naming it."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.dom.minidom
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from _report import Report  # noqa: E402


def _sample(results: Path) -> None:
    report = Report("bench_sample", command="python benchmarks/bench_sample.py --rounds 3")
    raw = report.row("list 2,000: raw httpx", [0.100, 0.110, 0.090])
    report.row("list 2,000: zcrm_async", [0.105, 0.104, 0.106], baseline=raw, target=1.1)
    slow = report.row("create: raw httpx", [0.2, 0.2, 0.2])
    report.row("create: zcrm_async", [0.3, 0.3, 0.3], baseline=slow, target=1.15)
    report.row("storm: wall", 0.4)  # no ratio: not charted
    report.write(results)
    Report("bench_nothing_compared", command="python x.py").write(results)


def _run(tmp: Path, results: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "charts.py"),
            "--results",
            str(results),
            "--out",
            str(tmp / "pages" / "img"),
            "--include",
            str(tmp / "charts.md"),
            "--page-dir",
            str(tmp / "pages"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_chart_shows_each_ratio_its_target_and_the_command(tmp_path: Path) -> None:
    results = tmp_path / "results"
    _sample(results)
    done = _run(tmp_path, results)
    assert done.returncode == 0, done.stderr
    charts = sorted(p.name for p in (tmp_path / "pages" / "img").iterdir())
    assert charts == ["bench_sample.svg"]  # a file without ratios gets no chart
    text = (tmp_path / "pages" / "img" / "bench_sample.svg").read_text()
    document = xml.dom.minidom.parseString(text)  # well-formed SVG
    bars = [r for r in document.getElementsByTagName("rect") if r.getAttribute("height") == "14"]
    assert len(bars) == 2
    # 1.05x is under its target (blue); 1.5x is over its target (red), and longer.
    assert [bar.getAttribute("fill") for bar in bars] == ["#3f51b5", "#c62828"]
    widths = [float(bar.getAttribute("width")) for bar in bars]
    assert widths[1] / widths[0] == pytest.approx(1.5 / 1.05, rel=0.01)
    assert "1.050\u00d7" in text and "1.500\u00d7" in text
    assert "list 2,000: zcrm_async, vs raw httpx" in text
    assert "python benchmarks/bench_sample.py --rounds 3" in text
    dashed = [
        line
        for line in document.getElementsByTagName("line")
        if line.getAttribute("stroke-dasharray")
    ]
    assert len(dashed) == 2  # one target mark per row
    include = (tmp_path / "charts.md").read_text()
    assert "![bench_sample: ratios](img/bench_sample.svg)" in include
    assert "bench_nothing_compared" not in include


def test_a_malformed_result_file_stops_the_run_naming_it(tmp_path: Path) -> None:
    results = tmp_path / "results"
    _sample(results)
    broken = results / "bench_broken.json"
    broken.write_text(json.dumps({"script": "bench_broken", "command": "c", "rows": [{}]}))
    done = _run(tmp_path, results)
    assert done.returncode == 2
    assert "bench_broken.json" in done.stderr and "rows[0]" in done.stderr
    assert not (tmp_path / "pages").exists() and not (tmp_path / "charts.md").exists()

    broken.write_text("{not json")
    done = _run(tmp_path, results)
    assert done.returncode == 2 and "bench_broken.json: not a readable JSON" in done.stderr


def test_no_result_files_is_an_error_not_an_empty_page(tmp_path: Path) -> None:
    (tmp_path / "results").mkdir()
    done = _run(tmp_path, tmp_path / "results")
    assert done.returncode == 1 and "run the benchmarks first" in done.stderr

"""The benchmarks' shared report: rotated rounds, medians and ratios, child peak memory, JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from _report import Report, ainterleave, interleave, peak_memory, rotated, validate  # noqa: E402


def test_every_side_takes_every_place_in_turn() -> None:
    order: list[str] = []

    def side(name: str, seconds: float) -> object:
        def run() -> float:
            order.append(name)
            return seconds

        return run

    samples = interleave(
        {"a": side("a", 1.0), "b": side("b", 2.0), "c": side("c", 3.0)}, rounds=3, warmup=1
    )
    rounds = ["".join(order[i : i + 3]) for i in range(0, len(order), 3)]
    assert rounds == ["abc", "bca", "cab", "abc"]  # the warm-up round, then three measured
    assert samples == {"a": [1.0] * 3, "b": [2.0] * 3, "c": [3.0] * 3}
    assert rotated(["x", "y"], 5) == ["y", "x"]


@pytest.mark.anyio
async def test_async_sides_rotate_the_same_way() -> None:
    order: list[str] = []

    def side(name: str) -> object:
        async def run() -> float:
            order.append(name)
            return 0.5

        return run

    samples = await ainterleave({"a": side("a"), "b": side("b")}, rounds=2, warmup=0)
    assert order == ["a", "b", "b", "a"] and samples == {"a": [0.5, 0.5], "b": [0.5, 0.5]}


def _child_peak(allocate_mib: int) -> int:
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from _report import peak_memory; "
        f"block = bytearray({allocate_mib} * 2**20); block[::4096] = b'x' * len(block[::4096]); "
        "print(peak_memory())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(BENCHMARKS)], capture_output=True, text=True, check=True
    )
    return int(out.stdout)


def test_a_childs_peak_is_its_own_not_its_parents() -> None:
    ballast = bytearray(200 * 2**20)  # the parent's peak grows by 200 MiB
    ballast[::4096] = b"x" * len(ballast[::4096])
    small, large = _child_peak(0), _child_peak(100)
    assert peak_memory() > 200 * 2**20
    assert small < 150 * 2**20  # an interpreter, not the parent's 200 MiB inherited
    assert 80 * 2**20 < large - small < 130 * 2**20
    del ballast


def test_a_report_writes_medians_and_ratios(tmp_path: Path) -> None:
    report = Report("bench_sample", command="python benchmarks/bench_sample.py --rounds 3")
    raw = report.row("list: raw httpx", [0.30, 0.10, 0.20])
    report.row("list: zcrm_async", [0.22, 0.21, 0.40], baseline=raw, target=1.1)
    report.row("peak: zcrm_async", None, value=12.0, unit="MiB")
    path = report.write(tmp_path)
    data = json.loads(path.read_text())
    assert path.name == "bench_sample.json" and data["script"] == "bench_sample"
    assert data["command"] == "python benchmarks/bench_sample.py --rounds 3"
    first, second, third = data["rows"]
    assert first == {"name": "list: raw httpx", "median_s": 0.2, "samples": 3}
    assert second["median_s"] == 0.22 and second["baseline"] == "list: raw httpx"
    assert second["ratio"] == pytest.approx(1.1) and second["target"] == 1.1
    assert third == {"name": "peak: zcrm_async", "median_s": None, "value": 12.0, "unit": "MiB"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "expected a JSON object"),
        ({"script": "s", "command": "c"}, "'rows' must be a list"),
        ({"script": "s", "command": "c", "rows": [{"median_s": 1}]}, r"rows\[0\] must be"),
        ({"script": "s", "command": "c", "rows": [{"name": "a"}]}, "has no 'median_s'"),
        (
            {"script": "s", "command": "c", "rows": [{"name": "a", "median_s": "fast"}]},
            "'median_s' must be a number",
        ),
        (
            {
                "script": "s",
                "command": "c",
                "rows": [{"name": "a", "median_s": 1, "ratio": 1.2, "baseline": "b"}],
            },
            "'baseline' must name an earlier row",
        ),
    ],
)
def test_a_malformed_result_is_refused_saying_what_is_wrong(data: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate(data, source="x.json")

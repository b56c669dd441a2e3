"""What every benchmark shares: rotated interleaved rounds, medians, child peak memory, JSON out.

The API is small on purpose; a benchmark script uses it like this::

    from _report import Report, interleave

    samples = interleave({"raw httpx": run_raw, "zcrm_async": run_sdk}, rounds=9)
    report = Report("bench_example")
    raw = report.row("list 2,000: raw httpx", samples["raw httpx"])
    report.row("list 2,000: zcrm_async", samples["zcrm_async"], baseline=raw, target=1.10)
    report.write()  # benchmarks/results/bench_example.json

* :func:`interleave` / :func:`ainterleave` run every side once per round, the order of the
  sides rotated by one each round (with three sides: ABC, BCA, CAB, ...), so no side always
  runs first or last; each side's callable returns the seconds it measured.
* :func:`peak_memory` is a process's peak resident memory read from ``/proc/<pid>/status``
  (``VmHWM``). ``resource.getrusage``'s ``ru_maxrss`` is no good for a child process: a child
  starts with its parent's figure and keeps it across ``exec``. A child measures itself with
  ``peak_memory()`` just before it exits and reports the figure.
* :class:`Report` collects rows and writes ``benchmarks/results/<script>.json``::

      {"script": "bench_example",
       "command": "python benchmarks/bench_example.py --rounds 9",
       "rows": [{"name": "...", "median_s": 0.31, "samples": 9},
                {"name": "...", "median_s": 0.33, "samples": 9,
                 "baseline": "...", "ratio": 1.06, "target": 1.1}]}

  ``median_s`` is seconds (or None for a row that is not a time, e.g. a count or a peak, which
  then carries its figure under ``value`` and ``unit``); ``ratio`` is this row's median over its
  ``baseline`` row's (compared figures always share the unit), ``target`` the ratio it should
  not exceed. ``benchmarks/charts.py`` draws the rows that have a ratio; :func:`validate` is the
  schema check it applies.
"""

from __future__ import annotations

import json
import os
import shlex
import statistics
import sys
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

__all__ = [
    "RESULTS",
    "Report",
    "ainterleave",
    "interleave",
    "peak_memory",
    "rotated",
    "validate",
]

T = TypeVar("T")

#: Where :meth:`Report.write` puts the result files.
RESULTS = Path(__file__).resolve().parent / "results"


def rotated(sides: Sequence[T], round_: int) -> list[T]:
    """``sides`` in the order of round ``round_``: rotated left by ``round_`` places."""
    shift = round_ % len(sides) if sides else 0
    return [*sides[shift:], *sides[:shift]]


def interleave(
    sides: Mapping[str, Callable[[], float]], rounds: int, *, warmup: int = 1
) -> dict[str, list[float]]:
    """Run every side once per round, the order rotated each round; the seconds per side.

    Args:
        sides: A callable per side name; each runs the measured work once and returns the
            seconds it measured (wall, CPU: its choice).
        rounds: The measured rounds.
        warmup: Unmeasured rounds first (connections, lazy imports, caches).

    Returns:
        The samples of each side, in round order.
    """
    names = list(sides)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(warmup + rounds):
        for name in rotated(names, round_):
            seconds = sides[name]()
            if round_ >= warmup:
                samples[name].append(seconds)
    return samples


async def ainterleave(
    sides: Mapping[str, Callable[[], Awaitable[float]]], rounds: int, *, warmup: int = 1
) -> dict[str, list[float]]:
    """:func:`interleave` for sides that are coroutine functions (run in the caller's loop)."""
    names = list(sides)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(warmup + rounds):
        for name in rotated(names, round_):
            seconds = await sides[name]()
            if round_ >= warmup:
                samples[name].append(seconds)
    return samples


def peak_memory(pid: int | str = "self") -> int:
    """Peak resident memory of process ``pid`` in bytes (``VmHWM`` of ``/proc/<pid>/status``).

    Raises:
        RuntimeError: No ``/proc`` (not Linux) or no ``VmHWM`` line in it.
    """
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError as exc:
        raise RuntimeError(f"cannot read /proc/{pid}/status (Linux only): {exc}") from exc
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            value, unit = line.split()[1:3]
            if unit != "kB":
                break
            return int(value) * 1024
    raise RuntimeError(f"/proc/{pid}/status has no VmHWM line in kB")


class Report:
    """The rows of one benchmark script, written as ``benchmarks/results/<script>.json``.

    Args:
        script: The script's name without ``.py`` (the file name of the result).
        command: How the figures were produced; the current command line if None.
    """

    def __init__(self, script: str, command: str | None = None) -> None:
        self.script = script
        self.command = command or "python " + shlex.join(
            [os.path.relpath(sys.argv[0], Path(__file__).resolve().parents[1]), *sys.argv[1:]]
        )
        self.rows: list[dict[str, Any]] = []

    def row(
        self,
        name: str,
        samples: Iterable[float] | float | None,
        *,
        baseline: Mapping[str, Any] | None = None,
        target: float | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Add a row: the median of ``samples`` (seconds), its ratio to ``baseline``'s.

        Args:
            name: What was measured and on which side, e.g. ``"list 2,000: zcrm_async"``.
            samples: The seconds measured per round (or one figure already reduced); None for
                a row that is not a time: give ``value=`` and ``unit=`` in ``extra``.
            baseline: A row returned earlier: the ratio is this row's figure over that one's
                (``median_s``, or ``value`` for rows that are not times).
            target: The ratio this row should stay at or below.
            **extra: Further JSON-ready fields of the row (``unit``, ``value``, counts...).

        Returns:
            The row (pass it as another row's ``baseline``).
        """
        row: dict[str, Any] = {"name": name, "median_s": None}
        if isinstance(samples, (int, float)):
            row["median_s"] = float(samples)
        elif samples is not None:
            values = list(samples)
            row["median_s"] = statistics.median(values)
            row["samples"] = len(values)
        row.update(extra)
        if baseline is not None:
            mine, theirs = _figure(row), _figure(baseline)
            row["baseline"] = baseline["name"]
            row["ratio"] = mine / theirs if theirs else None
        if target is not None:
            row["target"] = target
        self.rows.append(row)
        return row

    def write(self, directory: Path | None = None) -> Path:
        """Write the result file (replacing the last one) and return its path."""
        data = {"script": self.script, "command": self.command, "rows": self.rows}
        validate(data, source=self.script)
        folder = directory or RESULTS
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.script}.json"
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return path


def _figure(row: Mapping[str, Any]) -> float:
    figure = row.get("median_s")
    if figure is None:
        figure = row.get("value")
    if not isinstance(figure, (int, float)):
        raise ValueError(f"row {row.get('name')!r} has no median_s or value to compare")
    return float(figure)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float))


def validate(data: Any, *, source: str = "result") -> dict[str, Any]:
    """Check a result file's content against the schema above; return it.

    Raises:
        ValueError: What is wrong and where (``source`` names the file in the message).
    """
    if not isinstance(data, dict):
        raise ValueError(f"{source}: expected a JSON object, got {type(data).__name__}")
    for key, kind in (("script", str), ("command", str), ("rows", list)):
        if not isinstance(data.get(key), kind):
            raise ValueError(f"{source}: {key!r} must be a {kind.__name__}, got {data.get(key)!r}")
    names = set()
    for index, row in enumerate(data["rows"]):
        where = f"{source}: rows[{index}]"
        if not isinstance(row, dict) or not isinstance(row.get("name"), str) or not row["name"]:
            raise ValueError(f"{where} must be an object with a non-empty 'name'")
        names.add(row["name"])
        if "median_s" not in row:
            raise ValueError(f"{where} ({row['name']!r}) has no 'median_s' (null if not a time)")
        for key in ("median_s", "ratio", "target", "value"):
            value = row.get(key)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, float))
            ):
                raise ValueError(
                    f"{where} ({row['name']!r}): {key!r} must be a number, got {value!r}"
                )
        if row.get("ratio") is not None and row.get("baseline") not in names:
            raise ValueError(
                f"{where} ({row['name']!r}): 'baseline' must name an earlier row, "
                f"got {row.get('baseline')!r}"
            )
    return data

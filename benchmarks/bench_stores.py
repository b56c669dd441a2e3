"""Token-store benchmarks (issue 3): load/save latency, and the multi-process refresh storm.

    python benchmarks/bench_stores.py [--iterations 2000] [--storm-runs 3]
        [--processes 4] [--tasks 50] [--mysql-url mysql://root:@127.0.0.1:3306/zcrm_bench]
        [--redis-url redis://127.0.0.1:6379/0]
        [--postgres-url postgresql://postgres@127.0.0.1:5432/zcrm_bench]

(a) latency: ``save`` then ``load`` of one user's tokens, N times each after a warm-up, for the
    memory, file, SQLite, MySQL, PostgreSQL and Redis stores under asyncio; median and p95 in
    microseconds. The stores take turns: N is split into rounds, and every round runs each
    store once, the order rotated each round (``_report.rotated``), so the machine's load
    weighs on all alike.
(b) refresh storm: P OS processes x T tasks share one store whose token is expired, against one
    FakeZohoCRM on a socket (tests/cross_process/storm.py); token mints (must be 1) and the wall
    time from the start signal until the last process is done, for every store but memory.

MySQL runs on the server of ``--mysql-url`` (or ``ZCRM_TEST_MYSQL_URL``), PostgreSQL on that of
``--postgres-url`` (or ``ZCRM_TEST_POSTGRES_URL``), both in databases made for the run and
dropped at exit; Redis on ``--redis-url`` (or ``ZCRM_TEST_REDIS_URL``), under a key prefix of the
run's, deleted at exit. ``--no-mysql``, ``--no-postgres`` and ``--no-redis`` leave one out.
The rows go to ``benchmarks/results/bench_stores.json``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # for tests.cross_process.storm and tests.stores.*_support

from _report import Report, rotated  # noqa: E402

import zcrm_async as zc  # noqa: E402

DEFAULT_URLS = {
    "mysql": ("ZCRM_TEST_MYSQL_URL", "mysql://root:@127.0.0.1:3306/zcrm_bench"),
    "postgres": ("ZCRM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/zcrm_bench"),
    "redis": ("ZCRM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
}


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _tokens() -> zc.OAuthTokens:
    return zc.OAuthTokens(
        user_email="bench@example.com",
        access_token="1000." + "a" * 32 + "." + "b" * 32,
        refresh_token="1000." + "c" * 32 + "." + "d" * 32,
        expiry_time=int(time.time() * 1000) + 3_600_000,
        api_domain="https://www.zohoapis.com",
    )


async def _save_and_load(
    store: zc.TokenStore, tokens: zc.OAuthTokens, times: int, into: dict[str, list[float]] | None
) -> None:
    """``times`` saves then loads; microseconds per call into ``into`` (None: warm-up)."""
    for _ in range(times):
        tokens.expiry_time += 1
        started = time.perf_counter_ns()
        await store.save(tokens)
        saved = time.perf_counter_ns()
        loaded = await store.load(tokens.user_email)
        done = time.perf_counter_ns()
        assert loaded == tokens
        if into is not None:
            into["save"].append((saved - started) / 1000)
            into["load"].append((done - saved) / 1000)


async def latency(
    factories: dict[str, Callable[[], zc.TokenStore]], iterations: int, rounds: int = 10
) -> dict[str, dict[str, list[float]]]:
    """Microseconds per ``save`` and per ``load`` of each store, the stores taking turns."""
    stores = {name: factory() for name, factory in factories.items()}
    samples = {name: {"save": [], "load": []} for name in stores}
    tokens = {name: _tokens() for name in stores}
    try:
        for name, store in stores.items():  # warm up: 10%
            await _save_and_load(store, tokens[name], iterations // 10, None)
        per_round = max(1, iterations // rounds)
        for round_ in range(rounds):
            for name in rotated(list(stores), round_):
                await _save_and_load(stores[name], tokens[name], per_round, samples[name])
    finally:
        for store in stores.values():
            await store.aclose()
    return samples


def storm_specs(work: Path, servers: set[str]) -> dict[str, Callable[[int], dict[str, Any]]]:
    """How to describe each store (to this process and to the storm's workers), per run."""
    specs: dict[str, Callable[[int], dict[str, Any]]] = {
        "file": lambda run: {"kind": "file", "path": str(_fresh(work / f"file-{run}"))},
        "SQLite": lambda run: {
            "kind": "sqlite",
            "path": str(_fresh(work / f"sqlite-{run}") / "tokens.db"),
        },
    }
    if "mysql" in servers:
        from tests.stores.mysql_support import fresh_database_name, server_args

        specs["MySQL"] = lambda run: {
            "kind": "mysql",
            **server_args(),
            "database": fresh_database_name(),
        }
    if "postgres" in servers:
        from tests.stores.server_support import fresh_database_url

        specs["PostgreSQL"] = lambda run: {"kind": "postgres", "url": fresh_database_url()}
    if "redis" in servers:
        from tests.stores.server_support import fresh_key_prefix, redis_url

        specs["Redis"] = lambda run: {
            "kind": "redis",
            "url": redis_url(),
            "key_prefix": fresh_key_prefix(),
        }
    return specs


def store_factories(work: Path, servers: set[str]) -> dict[str, Callable[[], zc.TokenStore]]:
    from tests.cross_process.storm import build_store

    factories: dict[str, Callable[[], zc.TokenStore]] = {"memory": zc.MemoryStore}
    for name, make_spec in storm_specs(work / "latency", servers).items():
        factories[name] = lambda make_spec=make_spec: build_store(make_spec(0))
    return factories


def _us(value: float) -> str:
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"


def _fresh(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iterations", type=int, default=2000, help="saves and loads per store")
    parser.add_argument("--storm-runs", type=int, default=3, help="storms per store (0: none)")
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--tasks", type=int, default=50, help="concurrent calls per process")
    for server, (variable, default) in DEFAULT_URLS.items():
        parser.add_argument(f"--{server}-url", default=None, help=f"{variable}, else {default}")
        parser.add_argument(f"--no-{server}", action="store_true", help=f"leave {server} out")
    args = parser.parse_args()
    servers = set()
    for server, (variable, default) in DEFAULT_URLS.items():
        if not getattr(args, f"no_{server}"):
            url = getattr(args, f"{server}_url") or os.environ.get(variable) or default
            os.environ[variable] = url
            servers.add(server)

    print(f"Python {platform.python_version()} on {platform.system()}, {os.cpu_count()} CPUs\n")
    report = Report("bench_stores")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        print(f"Token store latency, {args.iterations} saves and loads each (µs)\n")
        print("| store | load median | load p95 | save median | save p95 |")
        print("|---|---:|---:|---:|---:|")
        factories = store_factories(work, servers)
        measured = anyio.run(latency, factories, args.iterations, backend="asyncio")
        memory: dict[str, dict[str, Any]] = {}
        for name, times in measured.items():
            load, save = times["load"], times["save"]
            cells = [
                statistics.median(load),
                percentile(load, 0.95),
                statistics.median(save),
                percentile(save, 0.95),
            ]
            print(f"| {name} | " + " | ".join(_us(cell) for cell in cells) + " |")
            for what, values in (("load", load), ("save", save)):
                row = report.row(
                    f"token {what}: {name}",
                    [value / 1e6 for value in values],
                    baseline=memory.get(what),
                    p95_s=percentile(values, 0.95) / 1e6,
                )
                memory.setdefault(what, row)  # the memory store: the floor

        if args.storm_runs <= 0:
            print(f"\n{len(report.rows)} rows written to {report.write()}")
            return
        from tests.cross_process.storm import run_storm

        calls = args.processes * args.tasks
        print(
            f"\nRefresh storm: {args.processes} processes x {args.tasks} tasks, expired token, "
            f"{args.storm_runs} runs per store\n"
        )
        print("| store | token mints per run | calls ok | wall median (ms) | wall max (ms) |")
        print("|---|---|---:|---:|---:|")
        for name, make_spec in storm_specs(work, servers).items():
            results = [
                run_storm(
                    make_spec(run),
                    _fresh(work / f"storm-{name}-{run}"),
                    processes=args.processes,
                    tasks=args.tasks,
                )
                for run in range(args.storm_runs)
            ]
            walls = [result.wall * 1000 for result in results]
            mints = ", ".join(str(result.mints) for result in results)
            ok = min(result.calls_ok for result in results)
            print(
                f"| {name} | {mints} | {ok}/{calls} | {statistics.median(walls):.0f} "
                f"| {max(walls):.0f} |"
            )
            report.row(
                f"refresh storm, {calls} calls in {args.processes} processes: {name}",
                [result.wall for result in results],
                mints=[result.mints for result in results],
            )
    print(f"\n{len(report.rows)} rows written to {report.write()}")


if __name__ == "__main__":
    main()

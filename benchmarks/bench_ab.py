"""Before/after: this checkout's client against another checkout's, in one process, no server.

    python benchmarks/bench_ab.py --before ../main [--rounds 31]

``--before`` is another checkout (a worktree, or ``git archive <rev> | tar -x``); its
``zcrm_async`` is copied into a temporary folder as ``zcrm_async_before`` and imported next to
this one, so both run in the same interpreter, alternating round by round: the machine's load
weighs on both alike. Every side sends through an ``httpx.MockTransport`` answering at once with
prebuilt bodies, so only client work counts (httpx's included). Reported per operation:

* Python function calls (``cProfile``): deterministic, a floor for what was added;
* CPU time (``time.process_time``), medians of the rounds.

The rows go to ``benchmarks/results/bench_ab.json``.

Operations: ``records.get(id)``; ``records.get(id, fields=[...])`` (a query string);
``records.list(per_page=200)`` (one page of 200); ``records.create(100 records)`` (one chunk,
100 per-record results); and ``records.upsert`` of the write benchmark's 100 records
(``bench_upsert.make_rows``: non-ASCII text, a float and an int each).
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import json
import pstats
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

import anyio
import httpx
from _report import Report, ainterleave
from bench_upsert import make_rows

import zcrm_async as after

RECORD = {"id": "5725767000000524157", "Last_Name": "Bench", "Email": "b@example.com"}
GET = json.dumps({"data": [RECORD]}).encode()
PAGE = json.dumps(
    {
        "data": [dict(RECORD, id=str(5725767000000524157 + i)) for i in range(200)],
        "info": {"per_page": 200, "count": 200, "page": 1, "more_records": False},
    }
).encode()
CREATED = json.dumps(
    {
        "data": [
            {
                "code": "SUCCESS",
                "details": {"id": str(5725767000000600000 + i)},
                "message": "record added",
                "status": "success",
            }
            for i in range(100)
        ]
    }
).encode()
ROWS = [{"Last_Name": f"L{i}", "Email": f"l{i}@example.com"} for i in range(100)]
LEADS = make_rows("ab", 100, False)


def answer(request: httpx.Request) -> httpx.Response:
    if request.method == "POST":
        return httpx.Response(201, content=CREATED, headers={"content-type": "application/json"})
    body = PAGE if request.url.path.endswith("/Leads") else GET
    return httpx.Response(200, content=body, headers={"content-type": "application/json"})


def load_before(checkout: Path) -> ModuleType:
    """The other checkout's package, importable beside this one as ``zcrm_async_before``."""
    folder = Path(tempfile.mkdtemp(prefix="bench-ab-"))
    shutil.copytree(checkout / "zcrm_async", folder / "zcrm_async_before")
    sys.path.insert(0, str(folder))
    return importlib.import_module("zcrm_async_before")


async def leads_of(zc: Any) -> Any:
    config = zc.Config(
        client_id="1000.bench",
        client_secret="bench",
        redirect_uri="https://example.com/callback",
        current_user_email="ada@example.com",
        persistence="memory",
        api_version="v2",  # fields= optional: the same request on both sides
    )
    store = zc.MemoryStore()
    tokens = zc.OAuthTokens(
        "ada@example.com", "1000.a.a", "1000.r.r", 2**45, api_domain="https://www.zohoapis.com"
    )
    await store.save(tokens)
    crm = zc.ZohoCRM(config, store=store, transport=httpx.MockTransport(answer))
    return crm.records("Leads")


OPERATIONS: dict[str, tuple[Callable[[Any], Awaitable[object]], int]] = {
    "get one record": (lambda leads: leads.get(RECORD["id"]), 300),
    "get one record, two fields": (
        lambda leads: leads.get(RECORD["id"], fields=["Last_Name", "Email"]),
        300,
    ),
    "list a page of 200": (lambda leads: leads.list(per_page=200), 40),
    "create 100 records": (lambda leads: leads.create(ROWS), 40),
    "upsert 100 records (bench_upsert's)": (
        lambda leads: leads.upsert(LEADS, duplicate_check_fields=["Email"]),
        40,
    ),
}


async def cpu(op: Callable[[Any], Awaitable[object]], leads: Any, n: int) -> float:
    started = time.process_time()
    for _ in range(n):
        await op(leads)
    return (time.process_time() - started) / n * 1e6


async def calls(op: Callable[[Any], Awaitable[object]], leads: Any, n: int) -> float:
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(n):
        await op(leads)
    profile.disable()
    return pstats.Stats(profile).total_calls / n  # type: ignore[attr-defined,no-any-return]


async def main(before: ModuleType, rounds: int) -> None:
    sides = {"before": await leads_of(before), "after": await leads_of(after)}
    report = Report("bench_ab")
    print(
        "| operation (client only) | calls before | calls after | CPU µs before | after | ratio |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name, (op, n) in OPERATIONS.items():
        for leads in sides.values():
            await cpu(op, leads, n // 4)  # warm up
        counted = {side: await calls(op, leads, 20) for side, leads in sides.items()}
        samples = await ainterleave(
            {side: partial(cpu, op, leads, n) for side, leads in sides.items()}, rounds, warmup=0
        )
        rows: dict[str, dict[str, Any]] = {}
        for side in sides:
            rows[side] = report.row(
                f"{name}, client CPU per call: {side}",
                [value / 1e6 for value in samples[side]],
                baseline=rows.get("before"),
                calls=counted[side],
            )
        med = {side: row["median_s"] * 1e6 for side, row in rows.items()}
        print(
            f"| {name} | {counted['before']:.0f} | {counted['after']:.0f} | "
            f"{med['before']:.0f} | {med['after']:.0f} | {rows['after']['ratio']:.3f}× |"
        )
    print(f"\n{len(report.rows)} rows written to {report.write()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", type=Path, required=True, help="another checkout")
    parser.add_argument("--rounds", type=int, default=31)
    args = parser.parse_args()
    anyio.run(main, load_before(args.before), args.rounds)

"""Records benchmark: list 2,000 / 10,000 and create 10,000 records, zcrm_async vs raw httpx.

    python benchmarks/bench_records.py [--records 10000] [--rounds 9] [--memory-rounds 3]

One fake server runs in its own process (``python -m zcrm_async.testing serve --port 0``) on
127.0.0.1; 10,000 Leads are created in it through the API first. Both sides then run:

* list 2,000: ``max_records=2000``, 200 per page, following ``next_page_token`` as the SDK does
  (10 requests), every record kept in a list;
* list 2,000, 10 pages at once: ``page_concurrency=10`` (page 1, then pages 2..10 together);
  the raw side sends the same requests from a task group;
* list: every Lead, 200 per page, following ``next_page_token`` (50 requests);
* create: 10,000 new Contacts in chunks of 100, at most 10 chunks in flight (the SDK's
  default limiter), every per-record result kept, in input order.

The raw side is a plain ``httpx.AsyncClient`` sending those same requests with the same access
token. Each run creates its client (and for the SDK, a ZohoCRM whose memory store holds that
token), so both pay the same set-up. Wall time: runs in this process after one warm-up run per
side, the order of the sides rotated each round (``_report.interleave``). Memory: each run in a
fresh interpreter with ``tracemalloc`` on (it slows Python down, so those runs are not timed);
the figure is the peak of traced Python allocations from just before the client is created to
the end of the operation (the input records are built before tracing starts), and the child's
peak resident memory (``VmHWM``). Medians; the rows go to ``benchmarks/results/bench_records.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import anyio
import httpx

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _fakeserver import fake_server
from _report import Report, interleave, peak_memory, rotated

FIELDS = ["Last_Name", "Email", "Company", "Phone"]
PER_PAGE = 200
CHUNK = 100
CONCURRENCY = 10
FIRST = 2000  # the records Zoho serves by page number


def lead(i: int) -> dict[str, Any]:
    return {
        "Last_Name": f"Bench{i:05d}",
        "Email": f"bench{i}@example.com",
        "Company": "Acme Benchmarks",
        "Phone": f"+1 555 {i:05d}",
    }


def contact(i: int) -> dict[str, Any]:
    return {
        "Last_Name": f"Bench{i:05d}",
        "Email": f"bench{i}@example.com",
        "Department": "Benchmarks",
        "Phone": f"+1 555 {i:05d}",
    }


# -- the two sides (run inside a worker process) -----------------------------------------------


async def sdk_list(env: dict[str, Any], _: list[dict[str, Any]]) -> int:
    async with _sdk_client(env) as crm:
        records = [r async for r in crm.records("Leads").list(fields=FIELDS, per_page=PER_PAGE)]
    return len(records)


async def sdk_list_2000(env: dict[str, Any], _: list[dict[str, Any]]) -> int:
    async with _sdk_client(env) as crm:
        leads = crm.records("Leads").list(fields=FIELDS, per_page=PER_PAGE, max_records=FIRST)
        records = [r async for r in leads]
    return len(records)


async def sdk_list_2000_at_once(env: dict[str, Any], _: list[dict[str, Any]]) -> int:
    async with _sdk_client(env) as crm:
        leads = crm.records("Leads").list(
            fields=FIELDS, per_page=PER_PAGE, max_records=FIRST, page_concurrency=10
        )
        records = [r async for r in leads]
    return len(records)


async def sdk_create(env: dict[str, Any], items: list[dict[str, Any]]) -> int:
    async with _sdk_client(env) as crm:
        results = await crm.records("Contacts").create(items)
    assert not results.failed, results.failed[:1]
    return len(results)


async def raw_list(env: dict[str, Any], _: list[dict[str, Any]], limit: int = 0) -> int:
    url = f"{env['url']}/crm/v8/Leads"
    headers = {"Authorization": f"Zoho-oauthtoken {env['access_token']}"}
    params: dict[str, Any] = {"fields": ",".join(FIELDS), "per_page": PER_PAGE, "page": 1}
    records: list[dict[str, Any]] = []
    async with httpx.AsyncClient(timeout=60) as client:
        while not limit or len(records) < limit:
            response = await client.get(url, params=params, headers=headers)
            response.raise_for_status()
            if response.status_code == 204:
                break
            body = response.json()
            records.extend(body["data"])
            info = body["info"]
            if not info.get("more_records"):
                break
            if info.get("next_page_token"):
                params.pop("page", None)
                params["page_token"] = info["next_page_token"]
            else:
                params["page"] += 1
    return len(records)


async def raw_list_2000(env: dict[str, Any], items: list[dict[str, Any]]) -> int:
    return await raw_list(env, items, FIRST)


async def raw_list_2000_at_once(env: dict[str, Any], _: list[dict[str, Any]]) -> int:
    url = f"{env['url']}/crm/v8/Leads"
    headers = {"Authorization": f"Zoho-oauthtoken {env['access_token']}"}
    params: dict[str, Any] = {"fields": ",".join(FIELDS), "per_page": PER_PAGE}
    pages: list[list[dict[str, Any]]] = [[] for _ in range(FIRST // PER_PAGE)]
    async with httpx.AsyncClient(timeout=60) as client:

        async def read(page: int) -> bool:
            response = await client.get(url, params={**params, "page": page}, headers=headers)
            response.raise_for_status()
            body = response.json()
            pages[page - 1] = body["data"]
            return bool(body["info"].get("more_records"))

        if await read(1):
            async with anyio.create_task_group() as group:
                for page in range(2, len(pages) + 1):
                    group.start_soon(read, page)
    return sum(len(page) for page in pages)


async def raw_create(env: dict[str, Any], items: list[dict[str, Any]]) -> int:
    url = f"{env['url']}/crm/v8/Contacts"
    headers = {"Authorization": f"Zoho-oauthtoken {env['access_token']}"}
    chunks = [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]
    results: list[list[dict[str, Any]]] = [[] for _ in chunks]
    limiter = anyio.CapacityLimiter(CONCURRENCY)
    async with httpx.AsyncClient(timeout=60) as client:

        async def write(index: int) -> None:
            async with limiter:
                response = await client.post(url, json={"data": chunks[index]}, headers=headers)
            response.raise_for_status()
            results[index] = response.json()["data"]

        async with anyio.create_task_group() as group:
            for index in range(len(chunks)):
                group.start_soon(write, index)
    flat = [entry for chunk in results for entry in chunk]
    assert all(entry["status"] == "success" for entry in flat)
    return len(flat)


@asynccontextmanager
async def _sdk_client(env: dict[str, Any]) -> AsyncIterator[zc.ZohoCRM]:
    """A client whose memory store already holds the shared access token."""
    fake = FakeZohoCRM()  # only for its default client credentials
    config = zc.Config(
        client_id=fake.client_id,
        client_secret=fake.client_secret,
        redirect_uri=fake.redirect_uri,
        accounts_url=env["url"],
        allow_untrusted_hosts=True,  # the fake serves plain http
        current_user_email=env["user_email"],
        persistence="memory",
        max_concurrency=CONCURRENCY,
    )
    async with zc.ZohoCRM(config) as crm:
        await crm.store.save(
            zc.OAuthTokens(
                user_email=env["user_email"],
                access_token=env["access_token"],
                refresh_token=env["refresh_token"],
                expiry_time=env["expiry_time"],
                api_domain=env["url"],
            )
        )
        yield crm


OPERATIONS: dict[tuple[str, str], Callable[[dict[str, Any], list[dict[str, Any]]], Awaitable[int]]]
OPERATIONS = {
    ("sdk", "list 2,000"): sdk_list_2000,
    ("raw", "list 2,000"): raw_list_2000,
    ("sdk", "list 2,000, 10 pages at once"): sdk_list_2000_at_once,
    ("raw", "list 2,000, 10 pages at once"): raw_list_2000_at_once,
    ("sdk", "list"): sdk_list,
    ("raw", "list"): raw_list,
    ("sdk", "create"): sdk_create,
    ("raw", "create"): raw_create,
}
#: Records each operation reads or writes (None: all of them, ``--records``).
EXPECTED: dict[str, int | None] = {
    "list 2,000": 2000,
    "list 2,000, 10 pages at once": 2000,
    "list": None,
    "create": None,
}
SIDES = {"raw": "raw httpx", "sdk": "zcrm_async"}


def worker(side: str, operation: str, env: dict[str, Any]) -> dict[str, float]:
    """One traced run in this (fresh) process: the tracemalloc peak, and VmHWM at the end."""
    items = [contact(i) for i in range(env["records"])] if operation == "create" else []
    tracemalloc.start()
    count = anyio.run(OPERATIONS[side, operation], env, items)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"peak": peak, "rss": peak_memory(), "count": count}


# -- the orchestrator ---------------------------------------------------------------------------


def expected(operation: str, env: dict[str, Any]) -> int:
    return EXPECTED[operation] or int(env["records"])


def run_worker(side: str, operation: str, env: dict[str, Any]) -> dict[str, float]:
    """:func:`worker` in a fresh interpreter: its tracemalloc peak and VmHWM, in bytes."""
    out = subprocess.run(
        [sys.executable, __file__, "--worker", side, operation],
        input=json.dumps(env),
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{side} {operation} failed:\n{out.stderr}")
    result: dict[str, float] = json.loads(out.stdout)
    if result["count"] != expected(operation, env):
        raise RuntimeError(f"{side} {operation}: {result['count']} records")
    return result


def timed_run(
    side: str, operation: str, env: dict[str, Any], items: list[Any], cpus: list[float]
) -> float:
    """Wall time of one run; its CPU time in this process (the client's work) into ``cpus``."""
    started, cpu = time.perf_counter(), time.process_time()
    count = anyio.run(OPERATIONS[side, operation], env, items)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    if count != expected(operation, env):
        raise RuntimeError(f"{side} {operation}: {count} records, not {expected(operation, env)}")
    cpus.append(cpu)
    return wall


async def prepare(url: str, grant: str, records: int) -> dict[str, Any]:
    """Tokens for the benchmark user, and ``records`` Leads created through the API."""
    fake = FakeZohoCRM()
    config = zc.Config(
        client_id=fake.client_id,
        client_secret=fake.client_secret,
        redirect_uri=fake.redirect_uri,
        accounts_url=url,
        allow_untrusted_hosts=True,  # the fake serves plain http
        current_user_email=fake.user_email,
        persistence="memory",
    )
    async with zc.ZohoCRM(config) as crm:
        tokens = await crm.oauth.generate_access_token(grant)
        created = await crm.records("Leads").create([lead(i) for i in range(records)])
        created.raise_for_failures()
    return {
        "url": url,
        "user_email": tokens.user_email,
        "access_token": tokens.access_token,
        "refresh_token": tokens.refresh_token,
        "expiry_time": tokens.expiry_time,
        "records": records,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=9, help="timed rounds per side")
    parser.add_argument("--memory-rounds", type=int, default=3, help="traced runs per side")
    parser.add_argument("--worker", nargs=2, metavar=("SIDE", "OPERATION"))
    args = parser.parse_args()
    if args.worker:
        side, operation = args.worker
        print(json.dumps(worker(side, operation, json.loads(sys.stdin.read()))))
        return

    report = Report("bench_records")
    n = f"{args.records:,}"
    print(
        f"| {n} records stored; medians of {args.rounds} timed / {args.memory_rounds} traced "
        "runs | raw httpx | zcrm_async | ratio (target) |"
    )
    print("|---|---:|---:|---:|")
    with fake_server() as (url, grant, _):
        env = anyio.run(prepare, url, grant, args.records)
        items = [contact(i) for i in range(args.records)]
        for operation in EXPECTED:
            cpus: dict[str, list[float]] = {side: [] for side in SIDES}
            walls = interleave(
                {
                    side: partial(timed_run, side, operation, env, items, cpus[side])
                    for side in SIDES
                },
                args.rounds,
            )
            traced: dict[str, list[dict[str, float]]] = {side: [] for side in SIDES}
            for round_ in range(args.memory_rounds):
                for side in rotated(list(SIDES), round_):
                    traced[side].append(run_worker(side, operation, env))
            label = operation if operation != "list" else f"list {n}"
            target = 1.10 if operation.startswith("list") else 1.15
            _report_operation(report, label, walls, cpus, traced, target)
    path = report.write()
    print(f"\n{len(report.rows)} rows written to {path}")


def _report_operation(
    report: Report,
    label: str,
    walls: dict[str, list[float]],
    cpus: dict[str, list[float]],
    traced: dict[str, list[dict[str, float]]],
    target: float,
) -> None:
    """Rows (and table lines) for one operation: wall, client CPU, traced peak, VmHWM."""
    figures: list[tuple[str, dict[str, list[float]], str, float | None]] = [
        ("wall time", walls, "ms", target),
        ("client CPU time", cpus, "ms", None),
    ]
    for key, what in (("peak", "tracemalloc peak"), ("rss", "peak RSS (VmHWM)")):
        peaks = {side: [run[key] for run in runs] for side, runs in traced.items()}
        figures.append((what, peaks, "MiB", 1.3 if key == "peak" else None))
    for what, samples, unit, goal in figures:
        raw = report.row(f"{label}: {what}, raw httpx", **_figure(samples["raw"], unit))
        sdk = report.row(
            f"{label}: {what}, zcrm_async",
            **_figure(samples["sdk"], unit),
            baseline=raw,
            target=goal,
        )
        scale = 1000 if unit == "ms" else 2**-20
        raw_figure, sdk_figure = (statistics.median(samples[s]) * scale for s in ("raw", "sdk"))
        goal_text = f" (≤ {goal}×)" if goal else ""
        print(
            f"| {label}: {what}, {unit} | {raw_figure:.2f} | {sdk_figure:.2f} | "
            f"{sdk['ratio']:.3f}×{goal_text} |"
        )


def _figure(samples: list[float], unit: str) -> dict[str, Any]:
    """Report.row arguments: seconds as samples, bytes as a median in MiB."""
    if unit == "ms":
        return {"samples": samples}
    return {"samples": None, "value": round(statistics.median(samples) / 2**20, 2), "unit": unit}


if __name__ == "__main__":
    main()

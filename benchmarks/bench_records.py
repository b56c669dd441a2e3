"""Records benchmark (issue 4): list and create 10,000 records, zcrm_async vs raw httpx.

    python benchmarks/bench_records.py [--records 10000] [--rounds 9] [--memory-rounds 3]

One fake server runs in its own process (``python -m zcrm_async.testing serve --port 0``) on
127.0.0.1; 10,000 Leads are created in it through the API first. Both sides then run:

* list: every Lead, 200 per page, following ``next_page_token`` as the SDK does (so both
  sides send the same 50 requests), every record kept in a list;
* create: 10,000 new Contacts in chunks of 100, at most 10 chunks in flight (the SDK's
  default limiter), every per-record result kept, in input order.

The raw side is a plain ``httpx.AsyncClient`` sending those same requests with the same access
token. Each run creates its client (and for the SDK, a ZohoCRM whose memory store holds that
token), so both pay the same set-up. Wall time: runs in this process after one warm-up run per
side, alternating which side goes first each round. Memory: each run in a fresh interpreter
with ``tracemalloc`` on (it slows Python down, so those runs are not timed); the figure is the
peak of traced Python allocations from just before the client is created to the end of the
operation (the input records are built before tracing starts). The table shows medians.
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
from typing import Any

import anyio
import httpx

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _fakeserver import fake_server

FIELDS = ["Last_Name", "Email", "Company", "Phone"]
PER_PAGE = 200
CHUNK = 100
CONCURRENCY = 10


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


async def sdk_create(env: dict[str, Any], items: list[dict[str, Any]]) -> int:
    async with _sdk_client(env) as crm:
        results = await crm.records("Contacts").create(items)
    assert not results.failed, results.failed[:1]
    return len(results)


async def raw_list(env: dict[str, Any], _: list[dict[str, Any]]) -> int:
    url = f"{env['url']}/crm/v8/Leads"
    headers = {"Authorization": f"Zoho-oauthtoken {env['access_token']}"}
    params: dict[str, Any] = {"fields": ",".join(FIELDS), "per_page": PER_PAGE, "page": 1}
    records: list[dict[str, Any]] = []
    async with httpx.AsyncClient(timeout=60) as client:
        while True:
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
    ("sdk", "list"): sdk_list,
    ("sdk", "create"): sdk_create,
    ("raw", "list"): raw_list,
    ("raw", "create"): raw_create,
}


def worker(side: str, operation: str, env: dict[str, Any]) -> dict[str, float]:
    """One traced run in this (fresh) process: the tracemalloc peak of the operation."""
    items = [contact(i) for i in range(env["records"])] if operation == "create" else []
    tracemalloc.start()
    count = anyio.run(OPERATIONS[side, operation], env, items)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"peak": peak, "count": count}


# -- the orchestrator ---------------------------------------------------------------------------


def run_worker(side: str, operation: str, env: dict[str, Any]) -> float:
    """:func:`worker` in a fresh interpreter: its tracemalloc peak in bytes."""
    out = subprocess.run(
        [sys.executable, __file__, "--worker", side, operation],
        input=json.dumps(env),
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{side} {operation} failed:\n{out.stderr}")
    result = json.loads(out.stdout)
    if result["count"] != env["records"]:
        raise RuntimeError(f"{side} {operation}: {result['count']} records, not {env['records']}")
    return float(result["peak"])


def timed_run(
    side: str, operation: str, env: dict[str, Any], items: list[Any]
) -> tuple[float, float]:
    """Wall time and this process's CPU time (the client's own work) of one run."""
    started, cpu = time.perf_counter(), time.process_time()
    count = anyio.run(OPERATIONS[side, operation], env, items)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    if count != env["records"]:
        raise RuntimeError(f"{side} {operation}: {count} records, not {env['records']}")
    return wall, cpu


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

    walls: dict[tuple[str, str], list[float]] = {}
    cpus: dict[tuple[str, str], list[float]] = {}
    peaks: dict[tuple[str, str], list[float]] = {}
    with fake_server() as (url, grant, _):
        env = anyio.run(prepare, url, grant, args.records)
        items = [contact(i) for i in range(args.records)]
        for operation in ("list", "create"):
            for side in ("raw", "sdk"):  # warm-up: connections, lazy imports, caches
                timed_run(side, operation, env, items)
            for round_ in range(args.rounds):
                for side in ("sdk", "raw") if round_ % 2 == 0 else ("raw", "sdk"):
                    wall, cpu = timed_run(side, operation, env, items)
                    walls.setdefault((side, operation), []).append(wall)
                    cpus.setdefault((side, operation), []).append(cpu)
            for round_ in range(args.memory_rounds):
                for side in ("sdk", "raw") if round_ % 2 == 0 else ("raw", "sdk"):
                    peaks.setdefault((side, operation), []).append(run_worker(side, operation, env))

    n = f"{args.records:,}"
    print(
        f"| {n} records; medians of {args.rounds} timed / {args.memory_rounds} traced runs "
        "| raw httpx | zcrm_async | ratio (target) |"
    )
    print("|---|---:|---:|---:|")
    for operation, label in (("list", "list (200/page)"), ("create", "create (100/call)")):
        raw_wall = statistics.median(walls["raw", operation])
        sdk_wall = statistics.median(walls["sdk", operation])
        raw_cpu = statistics.median(cpus["raw", operation])
        sdk_cpu = statistics.median(cpus["sdk", operation])
        raw_peak = statistics.median(peaks["raw", operation])
        sdk_peak = statistics.median(peaks["sdk", operation])
        print(
            f"| {label}: wall time, ms | {raw_wall * 1000:.0f} | {sdk_wall * 1000:.0f} | "
            f"{sdk_wall / raw_wall:.3f}× (≤ 1.15×) |"
        )
        print(
            f"| {label}: client CPU time, ms | {raw_cpu * 1000:.0f} | {sdk_cpu * 1000:.0f} | "
            f"{sdk_cpu / raw_cpu:.3f}× |"
        )
        print(
            f"| {label}: tracemalloc peak, MiB | {raw_peak / 2**20:.2f} | "
            f"{sdk_peak / 2**20:.2f} | {sdk_peak / raw_peak:.3f}× (≤ 1.3×) |"
        )


if __name__ == "__main__":
    main()

"""Org-wide limits across workers, and isolated 429s.

    python benchmarks/bench_limits.py                      # both parts, the stated sizes
    python benchmarks/bench_limits.py --reads 2000         # a quick run (bound 4 s)
    python benchmarks/bench_limits.py --part shared        # or --part isolated

**shared**: 4 OS processes x 50 tasks each read records (``crm.records("Leads").get(id)``,
``--reads`` in all, 20,000 by default) from one fake served in its own process with an org
concurrency limit of 10 (429 ``TOO_MANY_REQUESTS`` beyond it, as Zoho) and 20 ms latency.
Side by side in the same run: the workers sharing one :class:`~zcrm_async.RedisLimiter`
(``limiter="redis"``), the same workers each with its own local limiter of 10, and a static
partition of the limit (local limiters of 3, 3, 2 and 2, the reads split in proportion): no
coordination, no 429s, the floor a coordinated limiter can hope for here; and that partition
again with the thinnest client (raw asyncio sockets, HTTP/1.1 keep-alive, one connection per
slot, no SDK), the fake's and the machine's share of the wall. ``--burn-us 400,800`` adds that
thinnest client once per figure, spending that many µs of CPU after each read (a busy loop):
what a client's own work per call costs the wall on this machine. The bound
set by the limit is ``reads / 10 x 20 ms`` (40 s for 20,000); the targets for the shared
limiter are a wall <= 1.15x that bound and 429s <= 1% of the calls. Tokens come from a Redis
token store the workers share; the workers start on one signal; wall time runs from the signal
to the last worker done. The CPU seconds of the workers, the fake and the Redis server (whose
figure includes any other client of that server) say how much of the machine the run needs:
above the bound times the number of cores, the wall cannot meet the bound.

**isolated**: one process, one client (local limiter of 10) reading ``--isolated-reads``
records (2,000 by default: bound 4 s) from the same kind of fake, which refuses 0% or 10% of
the calls at random with 429; the target is the 10% wall <= 1.4x the 0% wall. Side by side,
the limiter's former decision (any 429 of the current epoch halves the limit) at 10%. Rounds
rotate the order of the sides; medians.

Both retry 429s after 20 ms (jittered, doubling up to 1 s), up to 10 times.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import httpx

import zcrm_async as zc

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _fakeserver import fake_config, fake_server
from _rawhttp import read_answer
from _redis_keys import delete_keys
from _report import Report, rotated
from bench_sync import process_cpu

PROCESSES = 4
TASKS = 50
LIMIT = 10
LATENCY = 0.02
RETRY = {"max_retries": 10, "initial_delay": 0.02, "max_delay": 1.0}


class Count429(zc.Hooks):
    """Counts the 429s this worker got."""

    def __init__(self) -> None:
        self.throttled = 0

    def rate_limited(self, event: zc.RateLimited) -> None:
        self.throttled += 1


async def read_all(crm: zc.ZohoCRM, ids: list[str], tasks: int) -> int:
    """Read every id with ``tasks`` tasks; the number that failed."""
    leads = crm.records("Leads")
    queue = iter(ids)
    failed = 0

    async def task() -> None:
        nonlocal failed
        for record_id in queue:
            try:
                await leads.get(record_id)
            except zc.ZCRMError:
                failed += 1

    async with anyio.create_task_group() as group:
        for _ in range(tasks):
            group.start_soon(task)
    return failed


async def thin_read_all(
    leads_url: str, token: str, ids: list[str], connections: int, burn: float = 0.0
) -> int:
    """The thinnest client: ``connections`` keep-alive HTTP/1.1 sockets, each reading in turn
    (its own limit, no SDK), spending ``burn`` seconds of CPU after each read; the number of
    reads that failed (not 200)."""
    url = httpx.URL(leads_url)
    host, port = url.host, url.port or 80
    head = f"Host: {host}:{port}\r\nAuthorization: Zoho-oauthtoken {token}\r\n\r\n"
    queue = iter(ids)
    failed = 0

    async def connection() -> None:
        nonlocal failed
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for record_id in queue:
                writer.write(f"GET {url.path}{record_id} HTTP/1.1\r\n{head}".encode())
                answer, body = await read_answer(reader)
                json.loads(body)
                busy_until = time.perf_counter() + burn
                while time.perf_counter() < busy_until:
                    pass
                failed += not answer.startswith(b"HTTP/1.1 200")
        finally:
            writer.close()
            await writer.wait_closed()

    async with anyio.create_task_group() as group:
        for _ in range(connections):
            group.start_soon(connection)
    return failed


# -- one worker process -------------------------------------------------------------------------


async def worker(spec: dict[str, Any]) -> None:
    """Warm up, say ready, wait for "go" on stdin, read, print the result as JSON."""
    hooks = Count429()
    thin = spec["config"].pop("thin", False)
    burn = spec["config"].pop("burn_us", 0) / 1e6
    config = zc.Config(**spec["config"])
    async with zc.ZohoCRM(config, hooks=hooks, retry=zc.RetryPolicy(**RETRY)) as crm:
        await crm.records("Leads").get(spec["ids"][0])  # token loaded, connection open
        tokens = await crm.store.load(config.current_user_email or "")
        assert tokens is not None
        leads_url = f"{tokens.api_domain}/crm/{config.api_version}/Leads/"
        hooks.throttled = 0
        print("ready", flush=True)
        await anyio.to_thread.run_sync(sys.stdin.readline)
        started, cpu = time.time(), time.process_time()
        if thin:
            failed = await thin_read_all(
                leads_url, tokens.access_token, spec["ids"], config.max_concurrency, burn
            )
        else:
            failed = await read_all(crm, spec["ids"], spec["tasks"])
        done, cpu = time.time(), time.process_time() - cpu
    print(
        json.dumps(
            {
                "started": started,
                "done": done,
                "cpu": cpu,
                "failed": failed,
                "throttled": hooks.throttled,
                "cuts": crm.limiter.cuts,  # type: ignore[attr-defined]
                "scripts": getattr(crm.limiter, "scripts", 0),
            }
        ),
        flush=True,
    )


def run_workers(configs: list[dict[str, Any]], ids: list[str]) -> dict[str, Any]:
    """Start one worker per config, wait until all are ready, signal go; results and the wall.

    The reads are split in proportion to each worker's ``weight`` (equal shares by default).
    """
    weights = [config.pop("weight", 1) for config in configs]
    cuts = [round(len(ids) * sum(weights[:n]) / sum(weights)) for n in range(len(configs) + 1)]
    children = []
    for n, config in enumerate(configs):
        spec = {"config": config, "ids": ids[cuts[n] : cuts[n + 1]], "tasks": TASKS}
        child = subprocess.Popen(
            [sys.executable, __file__, "--worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdin is not None
        child.stdin.write(json.dumps(spec) + "\n")  # on stdin: too long for an argument
        child.stdin.flush()
        children.append(child)
    for child in children:
        assert child.stdout is not None
        line = child.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"a worker did not start: {line!r}")
    go = time.time()
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    results = []
    for child in children:
        out, _ = child.communicate(timeout=3600)
        results.append(json.loads(out.strip().splitlines()[-1]))
    return {
        "wall": max(r["done"] for r in results) - go,
        "first done": min(r["done"] for r in results) - go,
        "failed": sum(r["failed"] for r in results),
        "throttled": sum(r["throttled"] for r in results),
        "cuts": sum(r["cuts"] for r in results),
        "scripts": sum(r["scripts"] for r in results),
        "cpu": sum(r["cpu"] for r in results),
    }


# -- the parts ----------------------------------------------------------------------------------


def fake_stats(url: str) -> dict[str, Any]:
    """The fake's counters."""
    return dict(httpx.get(f"{url}/__fake__/stats", timeout=30).json())


def reset_stats(url: str) -> None:
    """Zero the fake's counters."""
    httpx.delete(f"{url}/__fake__/stats", timeout=30).raise_for_status()


def set_knobs(url: str, **knobs: Any) -> None:
    httpx.patch(f"{url}/__fake__/knobs", json=knobs, timeout=30).raise_for_status()


async def prepare(url: str, grant: str, config: zc.Config, count: int) -> list[str]:
    """Mint the token into the shared store; the ids of ``count`` reads (cycling the Leads)."""
    async with zc.ZohoCRM(config) as crm:
        await crm.oauth.generate_access_token(grant)
        ids = [record.id async for record in crm.records("Leads").list(fields=["Last_Name"])]
    return [ids[n % len(ids)] for n in range(count)]


#: Each worker's share of the org's limit, and of the reads: 3, 3, 2, 2.
PARTITION: list[dict[str, Any]] = [
    {"limiter": "local", "max_concurrency": share, "weight": share}
    for share in (LIMIT // PROCESSES + (n < LIMIT % PROCESSES) for n in range(PROCESSES))
]

#: The shared part's sides: each worker's limiter. The static partition splits the org's limit
#: between the workers once (3+3+2+2 = 10) and the reads in proportion (so its bound is the
#: same): no coordination and no 429s, the floor a coordinated limiter can hope for with this
#: client and this fake on this machine. The thinnest client does the same reads on raw
#: asyncio sockets (HTTP/1.1 keep-alive, one connection per slot): the fake's and the
#: machine's share of the wall, without the SDK's.
SHARED_SIDES: dict[str, dict[str, Any]] = {
    "redis": {"name": "shared (Redis)", "workers": [{"limiter": "redis"}] * PROCESSES},
    "local": {
        "name": "local, per process (10 each)",
        "workers": [{"limiter": "local"}] * PROCESSES,
    },
    "static": {"name": "static partition (3+3+2+2)", "workers": PARTITION},
    "thin": {
        "name": "thinnest client, static partition (3+3+2+2)",
        "workers": [{**worker, "thin": True} for worker in PARTITION],
    },
}


def burning_sides(figures: str) -> dict[str, dict[str, Any]]:
    """The thinnest client again for each of ``figures`` (µs, comma-separated), spending
    that much CPU after each read."""
    sides = {}
    for figure in filter(None, figures.split(",")):
        workers = [{**worker, "burn_us": int(figure)} for worker in SHARED_SIDES["thin"]["workers"]]
        name = f"thinnest client + {int(figure)} µs of CPU per read, same partition"
        sides[f"burn{figure}"] = {"name": name, "workers": workers}
    return sides


def part_shared(args: argparse.Namespace) -> list[dict[str, Any]]:
    prefix = f"zcrm_bench_limits:{os.getpid()}_{secrets.token_hex(3)}:"
    rows = []
    options = ("--latency", str(LATENCY), "--concurrency-limit", str(LIMIT), "--seed", "Leads=500")
    with fake_server(*options) as server:
        base = fake_config(server.url, allow_untrusted_hosts=True)
        values = {
            **{k: getattr(base, k) for k in ("client_id", "client_secret", "redirect_uri")},
            "accounts_url": server.url,
            "current_user_email": base.current_user_email,
            "allow_untrusted_hosts": True,
            "persistence": "redis",
            "redis_url": args.redis_url,
            "redis_key_prefix": prefix,
            "max_concurrency": LIMIT,
        }
        ids = asyncio.run(prepare(server.url, server.grant, zc.Config(**values), args.reads))
        bound = args.reads / LIMIT * LATENCY
        sides = {**SHARED_SIDES, **burning_sides(args.burn_us)}
        if args.sides:
            sides = {kind: sides[kind] for kind in args.sides.split(",")}
        for round_no in range(args.rounds):
            for kind in rotated(list(sides), round_no):
                kind_values = {**values, "limiter_key": f"bench{round_no}"}
                configs = [{**kind_values, **overrides} for overrides in sides[kind]["workers"]]
                reset_stats(server.url)
                fake_cpu, redis_cpu = process_cpu(server.pid), redis_cpu_seconds(args.redis_url)
                result = run_workers(configs, ids)
                fake_cpu = process_cpu(server.pid) - fake_cpu
                redis_cpu = redis_cpu_seconds(args.redis_url) - redis_cpu
                stats = fake_stats(server.url)
                row = {
                    "limiter": sides[kind]["name"],
                    "round": round_no,
                    "wall": result["wall"],
                    "bound": bound,
                    "ratio": result["wall"] / bound,
                    "first worker done": result["first done"],
                    "calls": stats["api_requests"],
                    "429s": stats["throttled"],
                    "429 share": stats["throttled"] / max(1, stats["api_requests"]),
                    "failed": result["failed"],
                    "cuts": result["cuts"],
                    "Redis scripts/call": result["scripts"] / max(1, stats["api_requests"]),
                    "workers' CPU s": result["cpu"],
                    "fake's CPU s": fake_cpu,
                    "Redis CPU s": redis_cpu,
                }
                rows.append(row)
                print(json.dumps(row), flush=True)
    delete_keys(args.redis_url, prefix)  # the run's tokens and limiter state
    return rows


def redis_cpu_seconds(url: str) -> float:
    """The Redis server's CPU seconds so far (other clients of the server included)."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        info = client.info("cpu")
    finally:
        client.close()
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


class CutsOnEveryBurst(zc.AdaptiveLimiter):
    """The decision the limiter had before: any 429 of the current epoch halves the limit."""

    def on_throttled(self, epoch: int) -> None:
        if epoch != self.epoch:
            return
        self.epoch += 1
        self._every_success = 0
        new = max(self.minimum, self.current // 2)
        if new != self.current:
            self.limiter.total_tokens = new
            self.cuts += 1

    def on_success(self) -> None:
        if self.current >= self.maximum:
            return
        self._every_success = getattr(self, "_every_success", 0) + 1
        if self._every_success >= self.current:
            self._every_success = 0
            self.limiter.total_tokens = self.current + 1


#: The isolated part's sides: (name, 429 rate, the limiter's decision).
SIDES = (
    ("clustered 429s cut (now)", 0.0, zc.AdaptiveLimiter),
    ("clustered 429s cut (now)", 0.1, zc.AdaptiveLimiter),
    ("every burst cuts (before)", 0.1, CutsOnEveryBurst),
)


def part_isolated(args: argparse.Namespace) -> list[dict[str, Any]]:
    options = ("--latency", str(LATENCY), "--concurrency-limit", str(LIMIT), "--seed", "Leads=500")
    walls: dict[int, list[float]] = {n: [] for n in range(len(SIDES))}
    throttled: dict[int, list[int]] = {n: [] for n in range(len(SIDES))}
    with fake_server(*options) as server:
        config = fake_config(server.url, max_concurrency=LIMIT, allow_untrusted_hosts=True)
        store = zc.MemoryStore()

        async def mint() -> list[str]:
            async with zc.ZohoCRM(config, store=store) as crm:
                await crm.oauth.generate_access_token(server.grant)
                leads = crm.records("Leads")
                ids = [record.id async for record in leads.list(fields=["Last_Name"])]
            return [ids[n % len(ids)] for n in range(args.isolated_reads)]

        ids = asyncio.run(mint())

        async def one(side: int) -> float:
            limiter = SIDES[side][2](anyio.CapacityLimiter(LIMIT))
            retry = zc.RetryPolicy(**RETRY)
            async with zc.ZohoCRM(config, store=store, retry=retry, limiter=limiter) as crm:
                await crm.records("Leads").get(ids[0])
                started = time.perf_counter()
                failed = await read_all(crm, ids, TASKS)
                wall = time.perf_counter() - started
            if failed:
                raise RuntimeError(f"{failed} reads failed ({SIDES[side][:2]})")
            return wall

        for round_no in range(args.isolated_rounds):
            for side in rotated(list(range(len(SIDES))), round_no):
                set_knobs(server.url, fail_429_rate=SIDES[side][1])
                reset_stats(server.url)
                walls[side].append(asyncio.run(one(side)))
                throttled[side].append(fake_stats(server.url)["throttled"])
                print(json.dumps({"side": SIDES[side][:2], "wall": walls[side][-1]}), flush=True)
    bound = args.isolated_reads / LIMIT * LATENCY
    base = statistics.median(walls[0])
    return [
        {
            "limiter": name,
            "429 rate": f"{rate:.0%}",
            "wall (median)": statistics.median(walls[n]),
            "bound": bound,
            "x bound": statistics.median(walls[n]) / bound,
            "x 0% wall": statistics.median(walls[n]) / base,
            "429s (median)": statistics.median(throttled[n]),
        }
        for n, (name, rate, _) in enumerate(SIDES)
    ]


def table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    keys = list(rows[0])

    def cell(value: Any) -> str:
        return f"{value:.3f}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(cell(row[k]) for k in keys) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("shared", "isolated", "both"), default="both")
    parser.add_argument("--reads", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=1, help="rounds of the shared part")
    parser.add_argument(
        "--burn-us", default="", help="comma-separated µs of CPU per read for thin sides"
    )
    parser.add_argument(
        "--sides",
        default="",
        help=f"comma-separated sides of the shared part ({', '.join(SHARED_SIDES)}, burnN)",
    )
    parser.add_argument("--isolated-reads", type=int, default=2000)
    parser.add_argument("--isolated-rounds", type=int, default=5)
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("ZCRM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        asyncio.run(worker(json.loads(sys.stdin.readline())))
        return
    print(f"load average before: {os.getloadavg()}")
    report = Report("bench_limits")
    if args.part in ("shared", "both"):
        rows = part_shared(args)
        print(table(rows))
        report_shared(report, rows)
    if args.part in ("isolated", "both"):
        rows = part_isolated(args)
        print(table(rows))
        report_isolated(report, rows)
    print(f"load average after: {os.getloadavg()}")
    print(f"results written to {report.write()}")


def report_shared(report: Report, rows: list[dict[str, Any]]) -> None:
    """Each side's median wall over the rounds, as a ratio of the bound (target 1.15x)."""
    bound = report.row(
        f"{PROCESSES} processes x {TASKS} tasks: the bound (reads / limit x latency)",
        rows[0]["bound"],
    )
    for name in dict.fromkeys(row["limiter"] for row in rows):
        mine = [row for row in rows if row["limiter"] == name]
        report.row(
            f"{PROCESSES} processes x {TASKS} tasks: {name}",
            [row["wall"] for row in mine],
            baseline=bound,
            target=1.15 if name == SHARED_SIDES["redis"]["name"] else None,
            calls=statistics.median(row["calls"] for row in mine),
            throttled=statistics.median(row["429s"] for row in mine),
            throttled_share=statistics.median(row["429 share"] for row in mine),
            scripts_per_call=statistics.median(row["Redis scripts/call"] for row in mine),
            workers_cpu_s=statistics.median(row["workers' CPU s"] for row in mine),
        )


def report_isolated(report: Report, rows: list[dict[str, Any]]) -> None:
    """The walls at 10% random 429s as a ratio of the 0% wall (target 1.4x)."""
    base = report.row(f"isolated 429s: {rows[0]['limiter']}, 0%", rows[0]["wall (median)"])
    for row in rows[1:]:
        report.row(
            f"isolated 429s: {row['limiter']}, {row['429 rate']}",
            row["wall (median)"],
            baseline=base,
            target=1.4 if row["limiter"] == rows[0]["limiter"] else None,
            throttled=row["429s (median)"],
        )


if __name__ == "__main__":
    main()

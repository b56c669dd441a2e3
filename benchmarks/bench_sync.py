"""REST sync benchmarks (issue 5): upsert 20,000 records, then again with 10% random 429s.

    python benchmarks/bench_sync.py [--records 20000] [--latency 0.02] [--limit 10]
                                    [--fail-429-rate 0.1] [--rounds 3]

The fake runs in its own process (``python -m zcrm_async.testing serve``) with the injected
latency, the concurrency limit and Zoho's heavy-call sub-limit. Each round upserts fresh
records (a unique ``Email`` per record, duplicate check on Email) with
:func:`zcrm_async.pipelines.upsert_in_chunks`, then lists back what changed since the round began
(``If-Modified-Since``): every e-mail must be present exactly once and the results must carry
as many distinct ids as records were written.

Side by side, alternating with the SDK's rounds on the same server: the same calls made with
bare httpx (:func:`raw_upsert`). Then both again against ``_null_server.py``, which does no
work at all and only waits out the latency: what the clients cost by themselves.

The bound set by the limit: ceil(records / 100) calls x latency / limit
(20,000 records: 200 x 20 ms / 10 = 0.4 s); the target is a wall time <= 1.2x that bound.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import os
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import httpx

import zcrm_async as zc
from zcrm_async.pipelines import upsert_in_chunks
from zcrm_async.testing import FakeZohoCRM

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _fakeserver import fake_server, null_server
from _report import Report, rotated


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of another process, from /proc (Linux; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def raw_upsert(
    http: httpx.AsyncClient, url: str, token: str, rows: list[dict[str, str]], workers: int
) -> tuple[list[dict[str, Any]], int]:
    """The same calls with bare httpx: 100 records a POST, ``workers`` at once, 429s resent.

    The baseline an SDK cannot beat by much: no auth middleware, limiter, retry policy or
    result objects, just the request, ``json.loads`` of the answer and its per-record items.
    """
    chunks = iter([rows[i : i + 100] for i in range(0, len(rows), 100)])
    headers = {"Authorization": f"Zoho-oauthtoken {token}", "Content-Type": "application/json"}
    items: list[dict[str, Any]] = []
    resent = 0

    async def worker() -> None:
        nonlocal resent
        for chunk in chunks:
            body = json.dumps({"data": chunk, "duplicate_check_fields": ["Email"]}).encode()
            while True:
                response = await http.post(url, content=body, headers=headers)
                if response.status_code != 429:
                    break
                resent += 1
                await anyio.sleep(random.uniform(0.02, 0.04))
            response.raise_for_status()
            items.extend(json.loads(response.content)["data"])

    async with anyio.create_task_group() as group:
        for _ in range(workers):
            group.start_soon(worker)
    return items, resent


class Rounds:
    """Wall, client CPU and server CPU of each timed round."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.walls: list[float] = []
        self.cpus: list[float] = []
        self.server_cpus: list[float] = []

    @contextlib.contextmanager
    def timed(self) -> Iterator[None]:
        """Time one round. Each starts from a collected heap; its own collections count."""
        gc.collect()
        started, cpu = time.perf_counter(), time.process_time()
        server_cpu = process_cpu(self.server_pid)
        yield
        self.walls.append(time.perf_counter() - started)
        self.cpus.append(time.process_time() - cpu)
        self.server_cpus.append(process_cpu(self.server_pid) - server_cpu)

    def summary(self, calls: int, bound: float) -> dict[str, Any]:
        """Medians, and the wall's ratio to the bound."""
        wall = statistics.median(self.walls)
        return {
            "calls": calls,
            "wall_s": wall,
            "walls": self.walls,
            "client_cpu_s": statistics.median(self.cpus),
            "server_cpu_s": statistics.median(self.server_cpus),
            "bound_s": bound,
            "ratio": wall / bound,
        }


async def run(
    records: int, latency: float, limit: int, fail_rate: float, rounds: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``rounds`` SDK rounds and as many bare-httpx rounds, alternating, on one fake."""
    servers = contextlib.ExitStack()
    url, grant, server_pid = servers.enter_context(
        fake_server(
            "--latency",
            str(latency),
            "--max-concurrency",
            str(limit),
            "--heavy-max-concurrency",
            str(min(limit, 10)),
            "--fail-429-rate",
            str(fail_rate),
        )
    )
    defaults = FakeZohoCRM()  # only for its default client credentials
    config = zc.Config(
        client_id=defaults.client_id,
        client_secret=defaults.client_secret,
        redirect_uri=defaults.redirect_uri,
        accounts_url=url,
        allow_untrusted_hosts=True,  # the fake serves plain http
        current_user_email=defaults.user_email,
        persistence="memory",
        max_concurrency=limit,
        max_retries=20,
    )
    # Zoho sends no Retry-After with 429 (reference §5.3): back off from 20 ms, jittered.
    retry = zc.RetryPolicy(max_retries=20, initial_delay=0.02, max_delay=0.5)
    sdk, raw = Rounds(server_pid), Rounds(server_pid)
    throttled = retries = 0
    lost = duplicated = failed = raw_lost = raw_resent = 0
    try:
        async with zc.ZohoCRM(config, retry=retry) as crm:
            await crm.oauth.generate_access_token(grant)
            leads = crm.records("Leads")
            token = (await crm.tokens.get(defaults.user_email)).access_token
            limits = httpx.Limits(max_connections=limit + 5, max_keepalive_connections=limit)
            http = httpx.AsyncClient(limits=limits)

            async def count_429(response: httpx.Response) -> None:
                nonlocal throttled
                throttled += response.status_code == 429

            crm.http.event_hooks["response"].append(count_429)
            # warm both connection pools
            await leads.upsert([{"Last_Name": "Warm", "Email": "warm@example.com"}])
            await raw_upsert(http, f"{url}/crm/v8/Leads/upsert", token, [], limit)
            for round_no in range(rounds):
                for side in rotated(["sdk", "raw"], round_no):
                    prefix = f"{side}{round_no}-"
                    rows = [
                        {"Last_Name": f"Bench {i}", "Email": f"{prefix}{i}@example.com"}
                        for i in range(records)
                    ]
                    # Zoho keeps whole-second times: a second of margin; the prefix sorts it out.
                    since = datetime.fromtimestamp(int(time.time()) - 1, UTC)
                    if side == "raw":
                        with raw.timed():
                            items, resent = await raw_upsert(
                                http, f"{url}/crm/v8/Leads/upsert", token, rows, limit
                            )
                        raw_resent += resent
                        raw_lost += records - len({item["details"]["id"] for item in items})
                        del items
                        continue
                    before = throttled  # the listing below may meet 429s too: not counted
                    with sdk.timed():
                        result = await upsert_in_chunks(
                            leads, rows, duplicate_check_fields=["Email"]
                        )
                    retries += throttled - before
                    failed += len(result.failed)
                    seen: Counter[str] = Counter()
                    async for rec in leads.list(fields=["Email"], modified_since=since):
                        email = str(rec.get("Email") or "")
                        if email.startswith(prefix):
                            seen[email] += 1
                    lost += sum(1 for row in rows if seen[row["Email"]] == 0)
                    duplicated += sum(n - 1 for n in seen.values() if n > 1)
                    duplicated += records - len({r.id for r in result})
                    del result, seen
            await http.aclose()
            adaptive = crm.limiter
            cuts, final_limit = adaptive.cuts, adaptive.current
    finally:
        servers.close()
    calls = math.ceil(records / 100)
    bound = calls * latency / limit or float("nan")
    sdk_summary = sdk.summary(calls, bound) | {
        "lost": lost,
        "duplicated": duplicated,
        "failed": failed,
        "retries": retries,
        "cuts": cuts,
        "final_limit": final_limit,
    }
    return sdk_summary, raw.summary(calls, bound) | {"lost": raw_lost, "retries": raw_resent}


async def run_floor(
    records: int, latency: float, limit: int, rounds: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The same, against ``_null_server.py`` (no work, only the latency): the clients' floor."""
    with null_server(latency) as (url, server_pid):
        config = zc.Config(
            client_id="1000.null",
            client_secret="null",
            redirect_uri="http://localhost/callback",
            accounts_url=url,
            allow_untrusted_hosts=True,  # the fake serves plain http
            current_user_email="patricia@example.com",
            persistence="memory",
            max_concurrency=limit,
        )
        limits = httpx.Limits(max_connections=limit + 5, max_keepalive_connections=limit)
        sdk, raw = Rounds(server_pid), Rounds(server_pid)
        async with zc.ZohoCRM(config) as crm, httpx.AsyncClient(limits=limits) as http:
            await crm.oauth.generate_access_token("1000.null.grant")
            leads = crm.records("Leads")
            token = (await crm.tokens.get("patricia@example.com")).access_token
            rows = [
                {"Last_Name": f"Bench {i}", "Email": f"{i}@example.com"} for i in range(records)
            ]
            await leads.upsert(rows[:100])
            await raw_upsert(http, f"{url}/crm/v8/Leads/upsert", token, rows[:100], limit)
            for round_no in range(rounds):
                for side in rotated(["sdk", "raw"], round_no):
                    if side == "sdk":
                        with sdk.timed():
                            await upsert_in_chunks(leads, rows, duplicate_check_fields=["Email"])
                    else:
                        with raw.timed():
                            await raw_upsert(http, f"{url}/crm/v8/Leads/upsert", token, rows, limit)
    calls = math.ceil(records / 100)
    bound = calls * latency / limit or float("nan")
    return sdk.summary(calls, bound), raw.summary(calls, bound)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--limit", type=int, default=10)
    parser.add_argument("--fail-429-rate", type=float, default=0.1)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    print(
        "| scenario | wall (median) | bound | ratio (target ≤ 1.2×) | vs bare httpx "
        "| client CPU (per call) | server CPU (per call) | lost | duplicated | failed "
        "| 429 retries | AIMD cuts |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    report = Report("bench_sync")
    for rate in (0.0, args.fail_429_rate):
        sdk, raw = anyio.run(run, args.records, args.latency, args.limit, rate, args.rounds)
        _rows(report, f"upsert {args.records:,}, 429 rate {rate:.0%}", sdk, raw)
        for name, res in (("zcrm_async", sdk), ("bare httpx", raw)):
            target = "–" if rate else f"{res['ratio']:.2f}×"
            vs_raw = f"{sdk['wall_s'] / raw['wall_s']:.2f}×" if name == "zcrm_async" else ""
            print(
                f"| {name}: upsert {args.records:,}, 429 rate {rate:.0%} "
                f"| {res['wall_s']:.3f} s | {res['bound_s']:.3f} s | {target} | {vs_raw} "
                f"| {_per_call(res, 'client_cpu_s')} | {_per_call(res, 'server_cpu_s')} "
                f"| {res['lost']} | {res.get('duplicated', '')} | {res.get('failed', '')} "
                f"| {res.get('retries', '')} | {res.get('cuts', '')} |",
                flush=True,
            )

    sdk, raw = anyio.run(run_floor, args.records, args.latency, args.limit, args.rounds)
    _rows(report, f"upsert {args.records:,}, server doing no work", sdk, raw)
    for name, res in (("zcrm_async", sdk), ("bare httpx", raw)):
        vs_raw = f"{sdk['wall_s'] / raw['wall_s']:.2f}×" if name == "zcrm_async" else ""
        print(
            f"| {name}: upsert {args.records:,}, server doing no work "
            f"| {res['wall_s']:.3f} s | {res['bound_s']:.3f} s | {res['ratio']:.2f}× | {vs_raw} "
            f"| {_per_call(res, 'client_cpu_s')} | {_per_call(res, 'server_cpu_s')} "
            "| | | | | |",
            flush=True,
        )
    print(f"\n{len(report.rows)} rows written to {report.write()}")


def _rows(report: Report, label: str, sdk: dict[str, Any], raw: dict[str, Any]) -> None:
    """The wall rows of one scenario: bare httpx, then the SDK against it."""
    extra = {"bound_s": raw["bound_s"]}
    base = report.row(f"{label}: bare httpx", raw["walls"], **extra)
    report.row(f"{label}: zcrm_async", sdk["walls"], baseline=base, **extra)


def _per_call(res: dict[str, Any], key: str) -> str:
    return f"{res[key]:.2f} s ({res[key] / res['calls'] * 1000:.1f} ms)"


if __name__ == "__main__":
    main()

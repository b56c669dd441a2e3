"""REST sync benchmarks (issue 5): upsert 20,000 records, then again with 10% random 429s.

    python benchmarks/bench_sync.py [--records 20000] [--latency 0.02] [--limit 10]
                                    [--fail-429-rate 0.1] [--rounds 3]

The fake runs in its own process (``python -m zcrm_async.testing serve``) with the injected
latency, the concurrency limit and Zoho's heavy-call sub-limit. Each round upserts fresh
records (a unique ``Email`` per record, duplicate check on Email) with
:func:`zcrm_async.sync.upsert_in_chunks`, then lists back what changed since the round began
(``If-Modified-Since``): every e-mail must be present exactly once and the results must carry
as many distinct ids as records were written.

The bound set by the limit: ceil(records / 100) calls x latency / limit
(20,000 records: 200 x 20 ms / 10 = 0.4 s); the target is a wall time <= 1.2x that bound.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import math
import os
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio

import zcrm_async as zc
from zcrm_async.sync import upsert_in_chunks
from zcrm_async.testing import FakeZohoCRM

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _fakeserver import fake_server


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of another process, from /proc (Linux; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run(
    records: int, latency: float, limit: int, fail_rate: float, rounds: int
) -> dict[str, Any]:
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
        current_user_email=defaults.user_email,
        persistence="memory",
        max_concurrency=limit,
        max_retries=20,
    )
    # Zoho sends no Retry-After with 429 (reference §5.3): back off from 20 ms, jittered.
    retry = zc.RetryPolicy(max_retries=20, initial_delay=0.02, max_delay=0.5)
    walls: list[float] = []
    cpus: list[float] = []
    server_cpus: list[float] = []
    retries = 0
    lost = duplicated = failed = 0
    try:
        async with zc.ZohoCRM(config, retry=retry) as crm:
            await crm.oauth.generate_access_token(grant)
            leads = crm.records("Leads")

            def count_retry(status: int | None) -> None:
                nonlocal retries
                retries += 1

            crm.core.on_retry = count_retry
            # warm the connection pool
            await leads.upsert([{"Last_Name": "Warm", "Email": "warm@example.com"}])
            for round_no in range(rounds):
                rows = [
                    {"Last_Name": f"Bench {i}", "Email": f"r{round_no}-{i}@example.com"}
                    for i in range(records)
                ]
                # Each round starts from the same heap: the last round's results are gone and
                # collected (the round's own garbage collections are measured, not avoided).
                gc.collect()
                # Zoho keeps whole-second times: a second of margin, the e-mail prefix sorts it out.
                since = datetime.fromtimestamp(int(time.time()) - 1, UTC)
                started, cpu = time.perf_counter(), time.process_time()
                server_cpu = process_cpu(server_pid)
                result = await upsert_in_chunks(leads, rows, duplicate_check_fields=["Email"])
                walls.append(time.perf_counter() - started)
                cpus.append(time.process_time() - cpu)
                server_cpus.append(process_cpu(server_pid) - server_cpu)
                failed += len(result.failed)
                seen: Counter[str] = Counter()
                async for rec in leads.list(fields=["Email"], modified_since=since):
                    email = str(rec.get("Email") or "")
                    if email.startswith(f"r{round_no}-"):
                        seen[email] += 1
                lost += sum(1 for row in rows if seen[row["Email"]] == 0)
                duplicated += sum(n - 1 for n in seen.values() if n > 1)
                ids = {r.id for r in result}
                duplicated += records - len(ids)
                del result, seen, ids
            adaptive = crm.core.adaptive
            cuts, final_limit = adaptive.cuts, adaptive.current
    finally:
        servers.close()
    calls = math.ceil(records / 100)
    bound = calls * latency / limit or float("nan")
    return {
        "calls": calls,
        "wall_s": statistics.median(walls),
        "walls": walls,
        "client_cpu_s": statistics.median(cpus),
        "server_cpu_s": statistics.median(server_cpus),
        "bound_s": bound,
        "ratio": statistics.median(walls) / bound,
        "lost": lost,
        "duplicated": duplicated,
        "failed": failed,
        "retries": retries,
        "cuts": cuts,
        "final_limit": final_limit,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--limit", type=int, default=10)
    parser.add_argument("--fail-429-rate", type=float, default=0.1)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    print(
        "| scenario | wall (median) | bound | ratio (target ≤ 1.2×) | client CPU (per call) "
        "| server CPU (per call) | lost | duplicated | failed | 429 retries | AIMD cuts |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for rate in (0.0, args.fail_429_rate):
        res = anyio.run(run, args.records, args.latency, args.limit, rate, args.rounds)
        target = "–" if rate else f"{res['ratio']:.2f}×"
        print(
            f"| upsert {args.records:,} over REST, 429 rate {rate:.0%} | {res['wall_s']:.3f} s "
            f"| {res['bound_s']:.3f} s | {target} "
            f"| {res['client_cpu_s']:.2f} s ({res['client_cpu_s'] / res['calls'] * 1000:.1f} ms) "
            f"| {res['server_cpu_s']:.2f} s ({res['server_cpu_s'] / res['calls'] * 1000:.1f} ms) "
            f"| {res['lost']} | {res['duplicated']} | "
            f"{res['failed']} | {res['retries']} | {res['cuts']} |",
            flush=True,
        )


if __name__ == "__main__":
    main()

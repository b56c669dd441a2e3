"""Core benchmarks (issue 2): request overhead vs raw httpx, the refresh storm, import time.

    python benchmarks/bench_core.py [--requests 2000] [--rounds 5] [--storm 1000]

(a) sequential record GETs: zcrm_async vs a raw httpx.AsyncClient sending the same request with
    the same token, against one fake server in a separate process on 127.0.0.1; rounds
    alternate between the sides and the medians are compared. A third side is the same client
    with hooks that count every event: what observing costs (with nothing attached, each step
    costs one ``None`` check).
(b) refresh storm: N concurrent tasks with an expired token on a socket-served fake: token
    mints (must be 1) and wall time.
(c) import time: ``import zcrm_async`` vs ``import httpx`` in fresh interpreters.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable

import anyio
import httpx
from _fakeserver import fake_server

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM


class Counting(zc.Hooks):
    """Hooks that count every event: the cost of observing, not of what a hook then does."""

    def __init__(self) -> None:
        self.events = 0

    def _count(self, event: object) -> None:
        self.events += 1

    request_sent = response_received = retrying = rate_limited = _count
    call_finished = token_refreshed = limiter_changed = _count


async def timed(n: int, call: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    for _ in range(n):
        await call()
    return time.perf_counter() - started


async def bench_overhead(requests: int, rounds: int) -> dict[str, float]:
    fake = FakeZohoCRM()  # only for its default client credentials
    with fake_server() as (url, grant, _):
        config = zc.Config(
            client_id=fake.client_id,
            client_secret=fake.client_secret,
            redirect_uri=fake.redirect_uri,
            accounts_url=url,
            allow_untrusted_hosts=True,  # the fake serves plain http
            current_user_email=fake.user_email,
            persistence="memory",
        )
        async with (
            zc.ZohoCRM(config) as crm,
            zc.ZohoCRM(config, store=crm.store, hooks=Counting()) as observed,
            httpx.AsyncClient() as raw,
        ):
            tokens = await crm.oauth.generate_access_token(grant)
            leads = crm.records("Leads")
            observed_leads = observed.records("Leads")
            created = await leads.create([{"Last_Name": "Bench", "Email": "b@example.com"}])
            record_id = created[0].id
            assert record_id is not None
            headers = {"Authorization": f"Zoho-oauthtoken {tokens.access_token}"}
            record_url = f"{url}/crm/v8/Leads/{record_id}"

            async def raw_get() -> object:
                response = await raw.get(record_url, headers=headers)
                response.raise_for_status()
                return response.json()["data"][0]

            async def sdk_get() -> object:
                return await leads.get(record_id)

            async def hooked_get() -> object:
                return await observed_leads.get(record_id)

            await timed(200, raw_get)  # warm up the connection pools
            await timed(200, sdk_get)
            await timed(200, hooked_get)
            raw_times, sdk_times, hooked_times = [], [], []
            for _ in range(rounds):
                raw_times.append(await timed(requests, raw_get))
                sdk_times.append(await timed(requests, sdk_get))
                hooked_times.append(await timed(requests, hooked_get))
    raw_median, sdk_median = statistics.median(raw_times), statistics.median(sdk_times)
    hooked_median = statistics.median(hooked_times)
    return {
        "raw_us": raw_median / requests * 1e6,
        "sdk_us": sdk_median / requests * 1e6,
        "ratio": sdk_median / raw_median,
        "hooked_us": hooked_median / requests * 1e6,
        "hooked_ratio": hooked_median / sdk_median,
    }


async def bench_storm(tasks: int) -> dict[str, float]:
    fake = FakeZohoCRM()
    with fake.serve_in_thread():
        async with zc.ZohoCRM(fake.config(max_concurrency=25)) as crm:
            await crm.oauth.generate_access_token(fake.issue_grant_code())
            tokens = await crm.store.load(fake.user_email)
            assert tokens is not None
            tokens.expiry_time = 0
            await crm.store.save(tokens)
            crm.tokens._cache.clear()
            fake.stats.reset()
            started = time.perf_counter()
            async with anyio.create_task_group() as group:
                for _ in range(tasks):
                    group.start_soon(crm.org.get)
            wall = time.perf_counter() - started
    return {"tasks": tasks, "mints": fake.stats.token_mints, "wall_s": wall}


def import_times(modules: tuple[str, ...], runs: int = 21) -> dict[str, float]:
    """Median seconds to import each module in a fresh interpreter, runs interleaved."""
    samples: dict[str, list[float]] = {module: [] for module in modules}
    for _ in range(runs):
        for module in modules:
            code = (
                "import time; t = time.perf_counter(); "
                f"import {module}; print(time.perf_counter() - t)"
            )
            out = subprocess.check_output([sys.executable, "-c", code], text=True)
            samples[module].append(float(out))
    return {module: statistics.median(values) for module, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--storm", type=int, default=1000)
    args = parser.parse_args()

    overhead = anyio.run(bench_overhead, args.requests, args.rounds)
    storm = anyio.run(bench_storm, args.storm)
    imports = import_times(("httpx", "zcrm_async"))
    httpx_import, sdk_import = imports["httpx"], imports["zcrm_async"]

    print("| benchmark | raw httpx | zcrm_async | ratio (target) |")
    print("|---|---|---|---|")
    print(
        f"| (a) sequential GET, {args.requests} × {args.rounds} rounds, µs/request (median) | "
        f"{overhead['raw_us']:.0f} | {overhead['sdk_us']:.0f} | "
        f"{overhead['ratio']:.3f}× (≤ 1.15×) |"
    )
    print(
        f"| (a') the same GET, hooks counting every event, µs/request | – | "
        f"{overhead['hooked_us']:.0f} | {overhead['hooked_ratio']:.3f}× of (a) |"
    )
    print(
        f"| (b) refresh storm, {storm['tasks']} tasks, expired token | – | "
        f"{storm['mints']:.0f} mint, {storm['wall_s'] * 1000:.0f} ms wall | mints = 1 |"
    )
    print(
        "| (c) import time, ms (median of 21 fresh interpreters, interleaved) | "
        f"{httpx_import * 1000:.0f} | "
        f"{sdk_import * 1000:.0f} | {sdk_import / httpx_import:.2f}× (≤ 1.5×) |"
    )


if __name__ == "__main__":
    main()

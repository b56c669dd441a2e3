"""What counting API credits costs per call: no budget, a local budget, a Redis budget.

    python benchmarks/bench_credits.py [--rounds 21] [--calls 500] [--url redis://127.0.0.1:6379/0]

Two measurements, sides alternating round by round in one process, medians of wall time
(``time.perf_counter``: the Redis side waits on a socket, which CPU time would not see):

* the counter alone: pricing a record GET from the cost table and charging it
  (``budget.costs.of(options)`` then ``await budget.charge(cost)``), µs per call, beside a bare
  Redis ``PING`` (one round trip, the floor of any shared counter);
* a whole call: sequential ``crm.records("Leads").get(id)`` through an ``httpx.MockTransport``
  that answers at once (no server: the client's own work, httpx's included), with the client's
  default counter (no ``credit_budget``), a local budget, and a budget in Redis on loopback.

The Redis key is ``zcrm_bench:<pid>:credits``, deleted at the end. The target: a Redis budget
adds at most 0.3 ms per call.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Awaitable, Callable

import anyio
from bench_overhead import RECORD_ID, sdk_client

import zcrm_async as zc
from zcrm_async._http._options import RequestOptions

BUDGET = 10**12  # never reached: every charge takes the path of a call within budget


async def per_call(calls: int, call: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        await call()
    return (time.perf_counter() - started) / calls * 1e6


async def alternate(
    sides: dict[str, Callable[[], Awaitable[object]]], rounds: int, calls: int
) -> dict[str, float]:
    for call in sides.values():
        await per_call(max(50, calls // 5), call)  # warm up (connections, scripts loaded)
    samples: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(rounds):
        for name, call in sides.items():
            samples[name].append(await per_call(calls, call))
    return {name: statistics.median(values) for name, values in samples.items()}


def charging(budget: zc.CreditBudget) -> Callable[[], Awaitable[object]]:
    options = RequestOptions("GET", "Leads/5725767000000524157")

    async def charge() -> object:
        return await budget.charge(budget.costs.of(options))

    return charge


async def main(rounds: int, calls: int, url: str) -> None:
    prefix = f"zcrm_bench:{os.getpid()}:"
    budgets: dict[str, zc.CreditBudget] = {
        "no budget": zc.LocalCreditBudget(None),
        "local budget": zc.LocalCreditBudget(BUDGET),
        "Redis budget": zc.RedisCreditBudget(url, BUDGET, key_prefix=f"{prefix}alone:"),
    }
    import redis.asyncio

    ping = redis.asyncio.Redis.from_url(url)
    sides = {name: charging(b) for name, b in budgets.items()}
    sides["Redis PING"] = ping.ping  # one bare round trip, for scale
    alone = await alternate(sides, rounds, calls)
    await ping.aclose()

    clients = {
        "no budget": await sdk_client(None),
        "local budget": await sdk_client(None, credits=zc.LocalCreditBudget(BUDGET)),
        "Redis budget": await sdk_client(
            None, credits=zc.RedisCreditBudget(url, BUDGET, key_prefix=prefix)
        ),
    }
    whole = await alternate(
        {name: (lambda c=c: c.records("Leads").get(RECORD_ID)) for name, c in clients.items()},
        rounds,
        calls,
    )
    base_alone, base_whole = alone["no budget"], whole["no budget"]
    print(f"{rounds} rounds x {calls} calls per side, medians of wall time, µs per call\n")
    print("| counter | the counter alone | added vs no budget | a record GET (no server) | added |")
    print("|---|---:|---:|---:|---:|")
    for name in budgets:
        print(
            f"| {name} | {alone[name]:.1f} | {alone[name] - base_alone:+.1f} | "
            f"{whole[name]:.0f} | {whole[name] - base_whole:+.0f} |"
        )
    redis_added = whole["Redis budget"] - base_whole
    print(f"| (one Redis PING, for scale) | {alone['Redis PING']:.1f} | | | |")
    print(f"\nRedis budget: {redis_added / 1000:.3f} ms added per call (target <= 0.3 ms)")
    spent = (await clients["Redis budget"].usage()).spent
    print(f"(the Redis counter holds {spent:,} credits: one per call made through that client)")
    for budget in budgets.values():
        await budget.aclose()
    for client in clients.values():
        await client.aclose()
    import redis

    with redis.Redis.from_url(url) as cleanup:
        cleanup.delete(f"{prefix}credits", f"{prefix}alone:credits")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument(
        "--url", default=os.environ.get("ZCRM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    args = parser.parse_args()
    anyio.run(main, args.rounds, args.calls, args.url, backend="asyncio")

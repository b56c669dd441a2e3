"""What counting API credits costs per call: no budget, a local budget, a Redis budget.

    python benchmarks/bench_credits.py [--rounds 21] [--calls 500] [--url redis://127.0.0.1:6379/0]

Three measurements, sides interleaved round by round in one process, the order rotated each
round (``_report.ainterleave``), medians of wall time (``time.perf_counter``: the Redis sides
wait on a socket, which CPU time would not see):

* the counter alone: pricing a record GET from the cost table and charging it
  (``budget.costs.of(options)`` then ``await budget.charge(cost)``), µs per call, beside a bare
  Redis ``PING`` (one round trip, the floor of a counter that asks Redis on every call);
* a whole call: sequential ``crm.records("Leads").get(id)`` through an ``httpx.MockTransport``
  that answers at once (no server: the client's own work, httpx's included), with the client's
  default counter (no ``credit_budget``), a local budget, and a budget in Redis on loopback;
* redis-py's two reply parsers (only when ``hiredis`` is installed, as the ``redis`` extra
  does): a ``PING`` and the budget's script run by plain ``EVALSHA`` (a charge of one credit,
  no block), each on a client with redis-py's Python parser and on one with hiredis.

The Redis budget runs twice: as it is (credits taken in blocks of up to 32, one round trip
per block) and with ``block=1`` (one script per call, what it did before blocks). The Redis
keys are ``zcrm_bench:<pid>:...``, deleted at the end. The target: a Redis budget adds at most
0.3 ms per call. The rows go to ``benchmarks/results/bench_credits.json``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from _redis_keys import delete_keys
from _report import Report, ainterleave
from bench_overhead import RECORD_ID, sdk_client

import zcrm_async as zc
from zcrm_async._credits import _SCRIPT
from zcrm_async._http._options import RequestOptions

BUDGET = 10**12  # never reached: every charge takes the path of a call within budget
TARGET_MS = 0.3

Call = Callable[[], Awaitable[object]]


def timing(calls: int, call: Call) -> Callable[[], Awaitable[float]]:
    """A side for ``ainterleave``: ``calls`` sequential calls, the seconds per call."""

    async def run() -> float:
        started = time.perf_counter()
        for _ in range(calls):
            await call()
        return (time.perf_counter() - started) / calls

    return run


async def measure(sides: dict[str, Call], rounds: int, calls: int) -> dict[str, list[float]]:
    for call in sides.values():  # warm up: connections made, scripts loaded
        for _ in range(max(50, calls // 5)):
            await call()
    timed = {name: timing(calls, call) for name, call in sides.items()}
    return await ainterleave(timed, rounds, warmup=0)


def charging(budget: zc.CreditBudget) -> Call:
    options = RequestOptions("GET", "Leads/5725767000000524157")

    async def charge() -> object:
        return await budget.charge(budget.costs.of(options))

    return charge


def budgets(url: str, prefix: str) -> dict[str, zc.CreditBudget]:
    return {
        "no budget": zc.LocalCreditBudget(None),
        "local budget": zc.LocalCreditBudget(BUDGET),
        "Redis budget": zc.RedisCreditBudget(url, BUDGET, key_prefix=f"{prefix}blocks:"),
        "Redis budget, block=1": zc.RedisCreditBudget(
            url, BUDGET, key_prefix=f"{prefix}per_call:", block=1
        ),
    }


def parser_sides(url: str, key: str) -> tuple[dict[str, Call], list[Any]]:
    """PING and the script's EVALSHA on each reply parser (empty without hiredis)."""
    import redis.asyncio
    from redis._parsers import _AsyncHiredisParser, _AsyncRESP2Parser
    from redis.utils import HIREDIS_AVAILABLE

    if not HIREDIS_AVAILABLE:
        return {}, []
    # A charge of 1 credit, no block, no limit, on the server's clock (the script's ARGV).
    args = ["", 60_000, 1440, 1442 * 60_000, 0, 0, 1, 1, -1, 16]
    sides: dict[str, Call] = {}
    clients = []
    for name, parser in (("Python parser", _AsyncRESP2Parser), ("hiredis", _AsyncHiredisParser)):
        pool = redis.asyncio.ConnectionPool.from_url(
            url, parser_class=parser, decode_responses=True
        )
        client = redis.asyncio.Redis.from_pool(pool)
        clients.append(client)
        script = client.register_script(_SCRIPT)
        sides[f"PING, {name}"] = client.ping
        sides[f"EVALSHA of the credit script, {name}"] = lambda script=script: script(
            keys=[key], args=args
        )
    return sides, clients


async def main(rounds: int, calls: int, url: str) -> None:
    prefix = f"zcrm_bench:{os.getpid()}:"
    report = Report("bench_credits")
    import redis
    import redis.asyncio

    alone_budgets = budgets(url, f"{prefix}alone:")
    ping = redis.asyncio.Redis.from_url(url)
    sides = {name: charging(b) for name, b in alone_budgets.items()}
    sides["Redis PING"] = ping.ping  # one bare round trip, for scale
    alone = await measure(sides, rounds, calls)
    await ping.aclose()

    clients = {
        name: await sdk_client(None, credits=budget)
        for name, budget in budgets(url, f"{prefix}client:").items()
    }
    whole = await measure(
        {name: (lambda c=c: c.records("Leads").get(RECORD_ID)) for name, c in clients.items()},
        rounds,
        calls,
    )
    parsing, parser_clients = parser_sides(url, f"{prefix}parsers:credits")
    parsers = await measure(parsing, rounds, calls) if parsing else {}

    def us(samples: list[float]) -> float:
        return statistics.median(samples) * 1e6

    print(f"{rounds} rounds x {calls} calls per side, medians of wall time, µs per call\n")
    print("| counter | the counter alone | × no budget | a record GET (no server) | added |")
    print("|---|---:|---:|---:|---:|")
    report.row("counter alone: no budget", alone["no budget"])
    base_whole = report.row("record GET: no budget", whole["no budget"])
    for name in alone_budgets:
        if name != "no budget":
            report.row(f"counter alone: {name}", alone[name])  # µs: no ratio charted
            added = us(whole[name]) - us(whole["no budget"])
            target = 1 + TARGET_MS * 1e-3 / base_whole["median_s"] if "Redis" in name else None
            report.row(
                f"record GET: {name}",
                whole[name],
                baseline=base_whole,
                target=target,
                added_us=round(added, 1),
            )
        print(
            f"| {name} | {us(alone[name]):.1f} | {us(alone[name]) / us(alone['no budget']):.2f} | "
            f"{us(whole[name]):.0f} | {us(whole[name]) - us(whole['no budget']):+.0f} |"
        )
    report.row("counter alone: Redis PING", alone["Redis PING"])
    print(f"| (one Redis PING, for scale) | {us(alone['Redis PING']):.1f} | | | |")
    for name in ("Redis budget", "Redis budget, block=1"):
        added = us(whole[name]) - us(whole["no budget"])
        print(f"\n{name}: {added / 1000:.3f} ms added per call (target <= {TARGET_MS} ms)", end="")
    print()
    if parsers:
        print("\nredis-py's reply parsers, µs per call (ratio: hiredis / Python parser)\n")
        print("| command | Python parser | hiredis | ratio |")
        print("|---|---:|---:|---:|")
        for command in ("PING", "EVALSHA of the credit script"):
            python, hiredis = parsers[f"{command}, Python parser"], parsers[f"{command}, hiredis"]
            base = report.row(f"{command}: Python parser", python)
            report.row(f"{command}: hiredis", hiredis, baseline=base)
            ratio = us(hiredis) / us(python)
            print(f"| {command} | {us(python):.1f} | {us(hiredis):.1f} | {ratio:.2f} |")
    else:
        print("\n(hiredis is not installed: redis-py's parsers not compared)")
    for name, client in clients.items():
        spent = (await client.usage()).spent
        print(f"({name}: the counter holds {spent:,} credits after usage(), one per call)")
        await client.aclose()
    for budget in alone_budgets.values():
        await budget.aclose()
    for client in parser_clients:
        await client.aclose()
    print(f"\nresults: {report.write()}")
    delete_keys(url, prefix)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument(
        "--url", default=os.environ.get("ZCRM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    args = parser.parse_args()
    anyio.run(main, args.rounds, args.calls, args.url, backend="asyncio")

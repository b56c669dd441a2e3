"""Cost per call of the two async Redis clients considered: redis-py's asyncio client and coredis.

    pip install coredis   # not a dependency: only this comparison needs it
    python benchmarks/bench_redis_clients.py [--url redis://127.0.0.1:6379/0] [--calls 5000]

One client, one connection, sequential calls on loopback: ``GET`` of a 300-byte value, the
``EVALSHA`` of a one-line script (what the token store's lock release and renewal do), and
for coredis the cost of a client opened and closed around one call (coredis 5+ must be entered
as an async context manager in a parent task before use). Medians and p95 in microseconds;
coredis also under trio, which redis-py does not support. The keys live under
``zcrm_bench:`` and are deleted at the end.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio

KEY = "zcrm_bench:redis_clients"
SCRIPT = "return redis.call('get', KEYS[1])"


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def timed(calls: int, call: Callable[[], Awaitable[Any]]) -> list[float]:
    """Microseconds per call, after a warm-up of a tenth as many."""
    for _ in range(calls // 10):
        await call()
    samples = []
    for _ in range(calls):
        started = time.perf_counter_ns()
        await call()
        samples.append((time.perf_counter_ns() - started) / 1000)
    return samples


async def redis_py(url: str, calls: int) -> dict[str, list[float]]:
    import redis.asyncio

    client = redis.asyncio.Redis.from_url(url, decode_responses=True)
    try:
        await client.set(KEY, "v" * 300)
        script = client.register_script(SCRIPT)
        return {
            "GET": await timed(calls, lambda: client.get(KEY)),
            "EVALSHA": await timed(calls, lambda: script(keys=[KEY])),
        }
    finally:
        await client.delete(KEY)
        await client.aclose()


async def coredis_client(url: str, calls: int) -> dict[str, list[float]]:
    import coredis

    client = coredis.Redis.from_url(url, decode_responses=True)
    async with client:
        await client.set(KEY, "v" * 300)
        script = client.register_script(SCRIPT)
        results = {
            "GET": await timed(calls, lambda: client.get(KEY)),
            "EVALSHA": await timed(calls, lambda: script(keys=[KEY])),
        }

        async def open_call_close() -> None:
            async with coredis.Redis.from_url(url, decode_responses=True) as once:
                await once.get(KEY)

        results["open + GET + close"] = await timed(max(50, calls // 20), open_call_close)
        await client.delete([KEY])
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--url", default=os.environ.get("ZCRM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument("--calls", type=int, default=5000)
    args = parser.parse_args()

    import redis

    runs: list[tuple[str, Callable[..., Awaitable[dict[str, list[float]]]], str]] = [
        (f"redis-py {redis.__version__} (asyncio)", redis_py, "asyncio")
    ]
    try:
        import coredis

        for backend in ("asyncio", "trio"):
            runs.append((f"coredis {coredis.__version__} ({backend})", coredis_client, backend))
    except ImportError:
        print("coredis is not installed (pip install coredis): only redis-py is measured\n")

    print(f"Python {platform.python_version()} on {platform.system()}, {os.cpu_count()} CPUs")
    print(f"{args.calls} sequential calls per row, one connection, {args.url}\n")
    print("| client | command | median (µs) | p95 (µs) |")
    print("|---|---|---:|---:|")
    for name, run, backend in runs:
        results = anyio.run(run, args.url, args.calls, backend=backend)
        for command, samples in results.items():
            print(
                f"| {name} | {command} | {statistics.median(samples):.0f} "
                f"| {percentile(samples, 0.95):.0f} |"
            )


if __name__ == "__main__":
    main()

"""What a limiter costs a call in CPU, under contention: the local one against the shared one.

    python benchmarks/bench_limiter_cpu.py [--url redis://127.0.0.1:6379/0] [--calls 20000]
        [--rounds 7] [--tree PATH]

200 tasks take turns on 10 slots, ``--calls`` calls per round, each holding its slot for a
1 ms sleep and reporting a success (the shape of the 4 x 50 benchmark in ``bench_limits.py``,
in one process, with no HTTP): the CPU of the process per call, with the local
:class:`~zcrm_async.AdaptiveLimiter` and with a :class:`~zcrm_async.RedisLimiter` on
loopback Redis (its keys under ``zcrm_bench:``, deleted at the end). Rounds alternate the
sides, the order rotated; medians, and the shared limiter's ratio to the local one.
``--tree`` imports ``zcrm_async`` from another checkout (e.g. a ``git worktree`` of an
earlier commit) to compare two versions of the code run by run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from typing import Any

PREFIX = f"zcrm_bench:{os.getpid()}:"
TASKS = 200
SLOTS = 10
HOLD = 0.001


async def cpu_per_call(limiter: Any, calls: int) -> float:
    """CPU seconds of this process per call: ``TASKS`` tasks sharing ``calls`` calls."""
    remaining = iter(range(calls))

    async def task() -> None:
        for _ in remaining:
            async with limiter.slot():
                await asyncio.sleep(HOLD)
            limiter.on_success()

    started = time.process_time()
    await asyncio.gather(*(task() for _ in range(TASKS)))
    return (time.process_time() - started) / calls


async def main(args: argparse.Namespace) -> None:
    import anyio
    from _redis_keys import delete_keys
    from _report import Report, ainterleave

    import zcrm_async as zc

    local = zc.AdaptiveLimiter(anyio.CapacityLimiter(SLOTS))
    shared = zc.RedisLimiter(args.url, key="cpu", key_prefix=PREFIX, maximum=SLOTS)
    try:
        await cpu_per_call(shared, 200)  # connections made, scripts loaded
        samples = await ainterleave(
            {
                "local": lambda: cpu_per_call(local, args.calls),
                "shared": lambda: cpu_per_call(shared, args.calls),
            },
            rounds=args.rounds,
        )
    finally:
        await shared.aclose()
        delete_keys(args.url, PREFIX)
    report = Report("bench_limiter_cpu")
    shape = f"{TASKS} tasks on {SLOTS} slots"
    base = report.row(f"{shape}: local limiter, CPU per call", samples["local"])
    report.row(f"{shape}: shared limiter (Redis), CPU per call", samples["shared"], baseline=base)
    print(f"zcrm_async from {zc.__file__}")
    for row in report.rows:
        ratio = f"  ratio {row['ratio']:.2f}" if "ratio" in row else ""
        print(f"{row['name']}: {row['median_s'] * 1e6:.1f} µs{ratio}")
    print(f"load average: {os.getloadavg()[0]:.2f}; wrote {report.write()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--url", default=os.environ.get("ZCRM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--tree", help="import zcrm_async from this checkout")
    arguments = parser.parse_args()
    if arguments.tree:
        sys.path.insert(0, os.path.abspath(arguments.tree))
    asyncio.run(main(arguments))

"""What the shared limiter's idle expiry costs a call: its scripts with and without it.

    python benchmarks/bench_limiter_expiry.py [--url redis://127.0.0.1:6379/0] [--calls 2000]
        [--rounds 9]

Every script of :class:`~zcrm_async.RedisLimiter` ends by setting the idle expiry again on the
limiter's keys (seven ``PEXPIRE`` inside the script). Two limiters on keys of their own run
``--calls`` sequential calls (a slot taken and given back: two scripts) per round, the order
of the sides rotated each round: the scripts as shipped, and the same scripts with the final
``touch()`` removed. Medians of microseconds per call, and their ratio. The keys live under
``zcrm_bench:`` and are deleted at the end.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

import anyio
from _redis_keys import delete_keys
from _report import Report, ainterleave

import zcrm_async as zc

PREFIX = f"zcrm_bench:{os.getpid()}:"


class WithoutExpiry(zc.RedisLimiter):
    """The same limiter, its scripts without the final ``touch()`` (the baseline)."""

    async def _script(self, doing: str, source: str, *args: Any) -> Any:
        untouched = source.replace("\ntouch()\nreturn reply", "\nreturn reply")
        assert untouched != source, "the scripts no longer end with touch(): update the bench"
        return await super()._script(doing, untouched, *args)


async def per_call(limiter: zc.RedisLimiter, calls: int) -> float:
    """Seconds per call: a slot taken and given back, ``calls`` times in a row."""
    started = time.perf_counter()
    for _ in range(calls):
        async with limiter.slot():
            pass
        limiter.on_success()
    return (time.perf_counter() - started) / calls


async def main(url: str, calls: int, rounds: int) -> None:
    shipped = zc.RedisLimiter(url, key="shipped", key_prefix=PREFIX, maximum=10)
    baseline = WithoutExpiry(url, key="baseline", key_prefix=PREFIX, maximum=10)
    try:
        samples = await ainterleave(
            {
                "without the expiry": lambda: per_call(baseline, calls),
                "with the expiry (shipped)": lambda: per_call(shipped, calls),
            },
            rounds=rounds,
        )
    finally:
        await shipped.aclose()
        await baseline.aclose()
        delete_keys(url, PREFIX)
    report = Report("bench_limiter_expiry")
    base = report.row(f"{calls} calls: scripts without the expiry", samples["without the expiry"])
    report.row(
        f"{calls} calls: scripts with the expiry (shipped)",
        samples["with the expiry (shipped)"],
        baseline=base,
        target=1.10,
    )
    for row in report.rows:
        ratio = f"  ratio {row['ratio']:.3f}" if "ratio" in row else ""
        print(f"{row['name']}: {row['median_s'] * 1e6:.0f} µs per call{ratio}")
    print(f"load average: {os.getloadavg()[0]:.2f}; wrote {report.write()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url", default=os.environ.get("ZCRM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=9)
    options = parser.parse_args()
    anyio.run(main, options.url, options.calls, options.rounds)

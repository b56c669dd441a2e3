"""A worker process of the shared-limiter tests: ``python -m tests.cross_process.limiter_worker``.

The spec (JSON in ``argv[1]``) names the fake, the Redis limiter and what to do:

* ``calls``: ``tasks`` tasks each make ``calls`` API calls; prints a JSON report (calls that
  succeeded, errors, the limiter's cuts and every ``limiter_changed`` event seen);
* ``hold``: takes ``slots`` slots of the limiter, prints ``held`` and sleeps until killed.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import anyio

import zcrm_async as zc


class Changes(zc.Hooks):
    """Records every change of the limit this worker sees, and counts its 429s."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, int, int]] = []
        self.throttled = 0

    def limiter_changed(self, event: zc.LimiterChanged) -> None:
        self.seen.append((event.kind, event.before, event.after))

    def rate_limited(self, event: zc.RateLimited) -> None:
        self.throttled += 1


def limiter(spec: dict[str, Any], hooks: zc.Hooks | None = None) -> zc.RedisLimiter:
    return zc.RedisLimiter(
        spec["redis_url"],
        key=spec["key"],
        key_prefix=spec["prefix"],
        maximum=spec["maximum"],
        lease=spec.get("lease", 5.0),
        hooks=hooks,
    )


async def calls(spec: dict[str, Any]) -> dict[str, Any]:
    hooks = Changes()
    store = zc.MemoryStore()
    await store.save(zc.OAuthTokens.from_dict(spec["tokens"]))
    config = zc.Config(**spec["config"])
    retry = zc.RetryPolicy(max_retries=10, initial_delay=0.005, max_delay=0.05)
    ok = 0
    errors: list[str] = []
    async with zc.ZohoCRM(
        config, store=store, retry=retry, limiter=limiter(spec), hooks=hooks
    ) as crm:

        async def task() -> None:
            nonlocal ok
            for _ in range(spec["calls"]):
                try:
                    await crm.org.get()
                    ok += 1
                except zc.ZCRMError as exc:
                    errors.append(repr(exc))

        async with anyio.create_task_group() as group:
            for _ in range(spec["tasks"]):
                group.start_soon(task)
        cuts = crm.limiter.cuts  # type: ignore[attr-defined]
    return {
        "ok": ok,
        "errors": errors,
        "cuts": cuts,
        "seen": hooks.seen,
        "rate_limited": hooks.throttled,
    }


async def hold(spec: dict[str, Any]) -> None:
    shared = limiter(spec)
    async with anyio.create_task_group() as group:
        held = 0

        async def take() -> None:
            nonlocal held
            async with shared.slot():
                held += 1
                if held == spec["slots"]:
                    print("held", flush=True)
                await anyio.sleep(600)  # the test kills this process long before

        for _ in range(spec["slots"]):
            group.start_soon(take)


def main() -> None:
    spec = json.loads(sys.argv[1])
    if spec["mode"] == "hold":
        asyncio.run(hold(spec))
    else:
        print(json.dumps(asyncio.run(calls(spec))), flush=True)


if __name__ == "__main__":
    main()

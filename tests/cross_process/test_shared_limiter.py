"""The shared limiter across real OS processes, on a real Redis server and a socket-served fake.

* workers in several processes together stay within the org's limit (the fake answers 429
  beyond it, as Zoho does), and none of their calls is refused;
* a worker killed with SIGKILL while holding every slot gives them back within its lease;
* a 429 cluster seen by one process lowers the limit another process uses.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from typing import Any

import anyio
import pytest

import zcrm_async as zc
from tests.cross_process.limiter_worker import Changes
from tests.cross_process.storm import start_python
from tests.stores.server_support import fresh_key_prefix, redis_url
from zcrm_async.testing import FakeZohoCRM

# redis-py's client is asyncio-only (trio is checked in tests/_http/test_redis_limiter.py).
pytestmark = [pytest.mark.anyio, pytest.mark.redis, pytest.mark.backends("asyncio")]


def spec_for(fake: FakeZohoCRM, base_url: str, **values: Any) -> dict[str, Any]:
    tokens = zc.OAuthTokens.from_token_response(fake.issue_tokens(), user_email=fake.user_email)
    config = {
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "redirect_uri": fake.redirect_uri,
        "accounts_url": base_url,
        "current_user_email": fake.user_email,
        "allow_untrusted_hosts": True,
        "persistence": "memory",
    }
    return {
        "mode": "calls",
        "redis_url": redis_url(),
        "prefix": fresh_key_prefix(),
        "key": "org",
        "tokens": tokens.to_dict(),
        "config": config,
        **values,
    }


def run(spec: dict[str, Any]) -> subprocess.Popen[str]:
    return start_python(["-m", "tests.cross_process.limiter_worker", json.dumps(spec)])


def report(worker: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = worker.communicate(timeout=120)
    assert worker.returncode == 0, err
    return dict(json.loads(out.strip().splitlines()[-1]))


def test_processes_together_stay_within_the_orgs_limit() -> None:
    fake = FakeZohoCRM(latency=0.03, max_concurrency=4)
    with fake.serve_in_thread() as base_url:
        spec = spec_for(fake, base_url, maximum=4, tasks=10, calls=3)
        fake.stats.reset()
        workers = [run(spec) for _ in range(3)]
        reports = [report(worker) for worker in workers]
    assert [r["errors"] for r in reports] == [[], [], []]
    assert sum(r["ok"] for r in reports) == 3 * 10 * 3
    assert fake.stats.throttled == 0  # 30 tasks in 3 processes never went over 4 at once
    assert fake.stats.max_in_flight == 4


async def test_a_killed_workers_slots_come_back_within_its_lease() -> None:
    fake = FakeZohoCRM()
    with fake.serve_in_thread() as base_url:
        spec = spec_for(fake, base_url, mode="hold", maximum=3, slots=3, lease=1.5)
    holder = run(spec)
    mine = zc.RedisLimiter(
        spec["redis_url"], key="org", key_prefix=spec["prefix"], maximum=3, lease=1.5
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held", holder.stderr
        with anyio.move_on_after(0.5) as waited:
            async with mine.slot():
                pass
        assert waited.cancelled_caught, "the holder's slots did not exclude this worker"
        killed_at = time.monotonic()
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        got = 0
        with anyio.fail_after(1.5 + 3):  # the lease, and a poll or two
            async with mine.slot(), mine.slot(), mine.slot():
                got = 3
        assert got == 3 and time.monotonic() - killed_at < 1.5 + 3
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.communicate()
        await mine.aclose()


async def test_a_cut_in_one_process_lowers_the_limit_in_another() -> None:
    fake = FakeZohoCRM()
    with fake.serve_in_thread() as base_url:
        spec = spec_for(fake, base_url, maximum=8, tasks=1, calls=2)
        seen = Changes()
        mine = zc.RedisLimiter(
            spec["redis_url"], key="org", key_prefix=spec["prefix"], maximum=8, hooks=seen
        )
        store = zc.MemoryStore()
        await store.save(zc.OAuthTokens.from_dict(spec["tokens"]))
        async with zc.ZohoCRM(zc.Config(**spec["config"]), store=store, limiter=mine) as crm:
            await crm.org.get()
            assert mine.current == 8
            # The other process's first call meets four 429s in a row: congestion.
            fake.fail_next(429, times=4)
            other = report(run(spec))
            assert other["errors"] == [] and other["cuts"] == 1
            assert other["seen"] == [["cut", 8, 4]] and other["rate_limited"] == 4
            await crm.org.get()  # this process learns the shared limit with its next call
        assert mine.current == 4 and mine.cuts == 0
        assert seen.seen[0] == ("cut", 8, 4)

"""The API-credit budget shared through a real Redis server (``ZCRM_TEST_REDIS_URL``): the same
window rules as the local budget, atomic under concurrency, its key, trio, and an unreachable
server."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import anyio
import pytest

import zcrm_async as zc
from tests._http.test_core import Scripted
from tests._tcp_proxy import TcpProxy
from tests.credit_scenarios import SCENARIOS, MakeBudget
from tests.stores.server_support import fresh_key_prefix, redis_url, run_redis
from tests.stores.test_redis import free_port
from zcrm_async._credits import BLOCK
from zcrm_async.testing import FakeZohoCRM

pytestmark = [pytest.mark.anyio, pytest.mark.redis]
asyncio_only = pytest.mark.backends("asyncio")  # redis-py's client is asyncio-only


def on_redis(budget: int | None, **options: Any) -> zc.RedisCreditBudget:
    return zc.RedisCreditBudget(redis_url(), budget, key_prefix=fresh_key_prefix(), **options)


@asyncio_only
@pytest.mark.parametrize("block", [BLOCK, 1], ids=["blocks", "a script per call"])
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
async def test_redis_budget(scenario: Callable[[MakeBudget], Any], block: int) -> None:
    made: list[zc.RedisCreditBudget] = []

    def make(budget: int | None, **options: Any) -> zc.CreditBudget:
        made.append(on_redis(budget, block=block, **options))
        return made[-1]

    try:
        await scenario(make)
    finally:
        for budget in made:
            await budget.aclose()


@asyncio_only
@pytest.mark.parametrize("block", [BLOCK, 1], ids=["blocks", "a script per call"])
async def test_concurrent_charges_never_overspend_the_budget(block: int) -> None:
    budget = on_redis(150, block=block)
    taken: list[int] = []
    refused: list[int] = []

    async def spend() -> None:
        try:
            await budget.charge(1)
        except zc.CreditBudgetError:
            refused.append(1)
        else:
            taken.append(1)

    try:
        async with anyio.create_task_group() as group:
            for _ in range(200):
                group.start_soon(spend)
        assert (len(taken), len(refused)) == (150, 50)
        assert (await budget.usage()).spent == 150
    finally:
        await budget.aclose()


@asyncio_only
async def test_two_clients_on_one_prefix_share_the_count(fake: FakeZohoCRM) -> None:
    prefix = fresh_key_prefix()
    config = fake.config(
        credit_store="redis", credit_budget=1000, redis_url=redis_url(), redis_key_prefix=prefix
    )
    async with (
        zc.ZohoCRM(config, transport=fake.transport()) as one,
        zc.ZohoCRM(config, transport=fake.transport()) as two,
    ):
        assert isinstance(one.credits, zc.RedisCreditBudget)
        await one.oauth.generate_access_token(fake.issue_grant_code())
        await two.oauth.generate_access_token(fake.issue_grant_code())
        await one.org.get()  # 1 credit, from a block of BLOCK
        await two.records("Leads").create([{"Last_Name": "R"}] * 20)  # 2, from its own block
        # usage() gives this client's unused credits back; the other's block stays counted
        # (as spent) until that client gives it back too.
        usage = await one.usage()
        assert (usage.spent, usage.remaining, usage.store) == (
            3 + BLOCK - 2,
            997 - BLOCK + 2,
            "redis",
        )
        assert (await two.usage()).spent == 3
        assert run_redis("HGET", f"{prefix}credits", "total") == "3"
        usage = await one.usage()
        assert (usage.spent, usage.remaining) == (3, 997)


@asyncio_only
async def test_the_key_expires_by_itself_a_window_after_the_last_charge() -> None:
    budget = on_redis(None, window=3600, granularity=60)
    try:
        await budget.charge(2)
        ttl = run_redis("PTTL", budget.key)
        assert isinstance(ttl, int) and 3600_000 < ttl <= (60 + 2) * 60_000
    finally:
        await budget.aclose()


@asyncio_only
async def test_the_window_follows_the_redis_servers_clock() -> None:
    budget = on_redis(10, window=3600, granularity=60)
    try:
        await budget.charge(10)
        server_seconds, micros = run_redis("TIME")  # type: ignore[misc]
        server_now = int(server_seconds) + int(micros) / 1e6
        usage = await budget.usage()
        assert usage.frees_at is not None
        assert server_now + 3600 < usage.frees_at <= server_now + 3600 + 60
        with pytest.raises(zc.CreditBudgetError, match=r"in 3,6\d\d s"):
            await budget.charge(1)
    finally:
        await budget.aclose()


@asyncio_only
async def test_wait_lasts_until_the_shared_window_frees_credits() -> None:
    budget = on_redis(2, policy="wait", max_wait=5, window=0.5, granularity=0.05)
    try:
        await budget.charge(2)
        started = time.monotonic()
        await budget.charge(1)
        assert time.monotonic() - started >= 0.45
        assert (await budget.usage()).spent == 1
    finally:
        await budget.aclose()


@asyncio_only
async def test_unreachable_redis_fails_the_call_clearly_and_sends_nothing(
    fake: FakeZohoCRM,
) -> None:
    port = free_port()
    budget = zc.RedisCreditBudget(f"redis://:s3cret@127.0.0.1:{port}/0", 100, timeout=1)
    async with zc.ZohoCRM(fake.config(), transport=fake.transport(), credits=budget) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        fake.stats.reset()
        with pytest.raises(zc.CreditStoreError) as failed:
            await crm.org.get()
        message = str(failed.value)
        assert f"Redis credit budget at redis://:***@127.0.0.1:{port}/0" in message
        assert "is the server running" in message and "s3cret" not in message
        assert fake.stats.api_requests == 0  # never silently unbounded
        with pytest.raises(zc.CreditStoreError):
            await crm.usage()


@pytest.mark.backends("trio")
async def test_under_trio_the_redis_budget_says_it_needs_asyncio(fake: FakeZohoCRM) -> None:
    budget = zc.RedisCreditBudget(redis_url(), 100, key_prefix=fresh_key_prefix())
    async with zc.ZohoCRM(fake.config(), transport=fake.transport(), credits=budget) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        with pytest.raises(zc.UnsupportedBackendError, match="asyncio only"):
            await crm.org.get()
        with pytest.raises(zc.UnsupportedBackendError, match="Redis credit budget"):
            await crm.usage()


def test_the_repr_hides_the_password() -> None:
    budget = zc.RedisCreditBudget("redis://:s3cret@cache:6379/0", 10, key_prefix="app:")
    assert "s3cret" not in repr(budget) and "key='app:credits'" in repr(budget)


@contextlib.contextmanager
def behind_a_proxy(block: int) -> Iterator[tuple[TcpProxy, zc.RedisCreditBudget]]:
    """A budget of 100 reaching Redis through a proxy that can go silent (timeout 0.5 s)."""
    server = urlsplit(redis_url())
    with TcpProxy(server.hostname or "127.0.0.1", server.port or 6379) as proxy:
        url = f"redis://127.0.0.1:{proxy.port}{server.path}"
        prefix = fresh_key_prefix()
        yield proxy, zc.RedisCreditBudget(url, 100, key_prefix=prefix, timeout=0.5, block=block)


@asyncio_only
async def test_redis_going_silent_fails_calls_within_the_timeout_then_recovers(
    fake: FakeZohoCRM, caplog: pytest.LogCaptureFixture
) -> None:
    with behind_a_proxy(block=1) as (proxy, budget):  # one script per call: each needs Redis
        armed: list[bool] = []

        def silence_after_charge(request: Any) -> None:
            if request.url.path.endswith("/org") and armed:
                armed.clear()
                proxy.mode = "silent"  # charged already; the refund will find Redis mute

        transport = Scripted(fake, silence_after_charge)
        config = fake.config(max_retries=0)
        async with zc.ZohoCRM(config, transport=transport, credits=budget) as crm:
            await crm.oauth.generate_access_token(fake.issue_grant_code())
            await crm.org.get()
            # A 429 is given back; with Redis mute the refund gives up after its timeout, says
            # so, and the credit stays counted (too many, never too few).
            armed.append(True)
            fake.fail_next(429)
            with caplog.at_level("WARNING", logger="zcrm_async"), pytest.raises(zc.RateLimitError):
                await crm.org.get()
            assert "could not give back 1 API credit(s)" in caplog.text
            fake.stats.reset()
            started = time.monotonic()
            with pytest.raises(zc.CreditStoreError, match="counting API credits failed"):
                await crm.org.get()
            assert time.monotonic() - started < 5  # bounded by the Redis timeout
            assert fake.stats.api_requests == 0
            proxy.resume()
            await crm.org.get()
            assert (await crm.usage()).spent == 3


@asyncio_only
async def test_with_redis_silent_a_block_serves_its_calls_then_calls_fail_within_the_timeout(
    fake: FakeZohoCRM, caplog: pytest.LogCaptureFixture
) -> None:
    with behind_a_proxy(block=4) as (proxy, budget):
        async with zc.ZohoCRM(
            fake.config(max_retries=0), transport=fake.transport(), credits=budget
        ) as crm:
            await crm.oauth.generate_access_token(fake.issue_grant_code())
            await crm.org.get()  # takes a block of 4 (100 / 16 = 6 left to a block; at most 4)
            proxy.mode = "silent"
            for _ in range(3):  # counted in Redis already: no round trip
                await crm.org.get()
            fake.stats.reset()
            started = time.monotonic()
            with pytest.raises(zc.CreditStoreError, match="counting API credits failed"):
                await crm.org.get()
            assert time.monotonic() - started < 5
            assert fake.stats.api_requests == 0
            proxy.resume()
            await crm.org.get()  # a new block of 4, one used
            with caplog.at_level("WARNING", logger="zcrm_async"):
                proxy.mode = "silent"
                await crm.aclose()  # cannot give the 3 unused back: they stay counted
            assert "could not give back 3 API credit(s)" in caplog.text
            proxy.resume()
        check = zc.RedisCreditBudget(redis_url(), key_prefix=budget.key.removesuffix("credits"))
        try:
            assert (await check.usage()).spent == 4 + 4  # two blocks, 5 calls made
        finally:
            await check.aclose()

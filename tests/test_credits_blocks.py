"""The Redis credit budget takes credits in blocks (a real Redis server, ``ZCRM_TEST_REDIS_URL``):
a block's size adapts to what the budget has left, its unused credits go back to Redis (at the end
of its minute, on ``usage()`` and on ``aclose()``), refunds stay exact, and concurrent tasks
spend exactly the budget."""

from __future__ import annotations

import random
from typing import Any

import anyio
import pytest

import zcrm_async as zc
from tests.credit_scenarios import HOUR, T0, Clock
from tests.stores.server_support import fresh_key_prefix, redis_url, run_redis
from zcrm_async._credits import BLOCK, BLOCK_SHARE
from zcrm_async.testing import FakeZohoCRM

pytestmark = [pytest.mark.anyio, pytest.mark.redis, pytest.mark.backends("asyncio")]

#: The bucket of T0 for one-minute buckets, in the script's numbering (ms // 60,000).
BUCKET = int(T0 * 1000) // 60_000


def on_redis(budget: int | None, **options: Any) -> zc.RedisCreditBudget:
    return zc.RedisCreditBudget(redis_url(), budget, key_prefix=fresh_key_prefix(), **options)


def counted(budget: zc.RedisCreditBudget, field: str | int = "total") -> int:
    """What Redis counts (the total, or one bucket), read beside the budget."""
    value = run_redis("HGET", budget.key, field)
    return int(value) if isinstance(value, str) else 0


def buckets(budget: zc.RedisCreditBudget) -> dict[int, int]:
    """Every bucket Redis counts for the budget, by number."""
    fields = run_redis("HGETALL", budget.key)
    assert isinstance(fields, dict)
    return {int(k): int(v) for k, v in fields.items() if k.isdigit()}


async def test_blocks_shrink_to_one_credit_near_the_end_of_the_budget() -> None:
    budget = on_redis(150, clock=Clock(), window=HOUR)
    sizes: list[int] = []
    try:
        for _ in range(150):
            before = counted(budget)
            await budget.charge(1)
            if counted(budget) != before:  # this charge took a new block
                sizes.append(counted(budget) - before)
        with pytest.raises(zc.CreditBudgetError):
            await budget.charge(1)
        assert sum(sizes) == 150 and counted(budget) == 150
        assert sizes[0] == 150 // BLOCK_SHARE  # 1/16 of what is left
        assert sizes == sorted(sizes, reverse=True)
        assert sizes[-BLOCK_SHARE:] == [1] * BLOCK_SHARE  # the last 16 credits one by one
    finally:
        await budget.aclose()


async def test_far_from_the_end_a_block_is_the_most_a_block_takes() -> None:
    big = on_redis(10**9, clock=Clock())
    unbounded = on_redis(None, clock=Clock())
    own = on_redis(None, clock=Clock(), block=5)
    try:
        for budget, size in ((big, BLOCK), (unbounded, BLOCK), (own, 5)):
            await budget.charge(1)
            assert counted(budget) == size
        await unbounded.charge(BLOCK - 1)  # what is left of the block covers it
        assert counted(unbounded) == BLOCK
        await unbounded.charge(BLOCK + 8)  # a costly call takes its own cost
        assert counted(unbounded) == 2 * BLOCK + 8
    finally:
        for budget in (big, unbounded, own):
            await budget.aclose()


async def test_block_one_runs_a_script_per_call() -> None:
    budget = on_redis(None, clock=Clock(), block=1)
    try:
        for n in range(1, 4):
            await budget.charge(1)
            assert counted(budget) == n
    finally:
        await budget.aclose()


async def test_unused_credits_go_back_on_usage_and_on_close() -> None:
    budget = on_redis(None, clock=Clock())
    try:
        await budget.charge(2)
        assert counted(budget) == BLOCK  # the block counts as spent for other processes
        usage = await budget.usage()  # gives the block back first: what was spent
        assert usage.spent == 2 and counted(budget) == 2
        await budget.charge(1)
        assert counted(budget) == 2 + BLOCK
    finally:
        await budget.aclose()
    assert counted(budget) == 3


async def test_a_block_serves_its_minute_only_and_its_rest_goes_back_to_that_minute() -> None:
    clock = Clock()
    budget = on_redis(None, clock=clock, window=HOUR, granularity=60)
    try:
        await budget.charge(3)
        assert counted(budget, BUCKET) == BLOCK
        clock.now = (BUCKET + 1) * 60 - 0.001  # still the block's minute
        await budget.charge(1)
        assert counted(budget, BUCKET + 1) == 0
        clock.now = (BUCKET + 1) * 60  # the next minute: the block must not be spent there
        await budget.charge(1)
        assert counted(budget, BUCKET) == 4  # what was spent in it; the rest went back
        assert counted(budget, BUCKET + 1) == BLOCK
        clock.now = (BUCKET + 1) * 60 + HOUR  # the first minute left the window
        assert (await budget.usage()).spent == 1
    finally:
        await budget.aclose()


async def test_with_the_servers_clock_a_block_ends_with_its_minute() -> None:
    budget = on_redis(None, window=2.0, granularity=0.1)
    try:
        await budget.charge(1)
        (first,) = buckets(budget)
        await anyio.sleep(0.25)  # past the block's bucket on the server's clock
        await budget.charge(1)
        now = buckets(budget)
        assert now[first] == 1  # the rest of the first block went back to its bucket
        assert max(now) > first and now[max(now)] == BLOCK
    finally:
        await budget.aclose()
    assert counted(budget) == 2


async def test_refunds_stay_exact_in_the_blocks_minute_and_after_it() -> None:
    clock = Clock()
    budget = on_redis(None, clock=clock, window=HOUR, granularity=60)
    try:
        early = await budget.charge(2)
        kept = await budget.charge(1)
        await budget.refund(kept)  # the same minute: back into the block, no round trip
        assert counted(budget) == BLOCK
        clock.now = (BUCKET + 1) * 60
        await budget.charge(1)  # a new block; the old one's rest went back
        assert counted(budget, BUCKET) == 2
        await budget.refund(early)  # its minute is over: given back to that minute in Redis
        assert counted(budget, BUCKET) == 0
        assert (await budget.usage()).spent == 1
    finally:
        await budget.aclose()
    assert counted(budget) == 1


async def test_a_hook_lets_only_the_call_past_the_budget_not_a_block() -> None:
    seen: list[int] = []
    budget = on_redis(64, clock=Clock(), policy=lambda usage, cost: seen.append(usage.spent))
    try:
        for _ in range(64):
            await budget.charge(1)
        await budget.charge(1)  # over the budget: the hook returns, the call goes on
        await budget.charge(1)  # and this one asks the hook again
        assert seen == [64, 65] and counted(budget) == 66
    finally:
        await budget.aclose()


async def test_concurrent_tasks_spend_exactly_the_budget_in_blocks() -> None:
    size, tasks = 1000, 1200  # blocks of 32 at first (1/16 of 1,000 is more)
    budget = on_redis(size)
    taken: list[zc.Charge] = []
    refused: list[int] = []

    async def spend() -> None:
        try:
            taken.append(await budget.charge(1))
        except zc.CreditBudgetError:
            refused.append(1)

    try:
        async with anyio.create_task_group() as group:
            for _ in range(tasks):
                group.start_soon(spend)
        assert (len(taken), len(refused)) == (size, tasks - size)
        assert (await budget.usage()).spent == size
    finally:
        await budget.aclose()


async def test_cancelled_charges_lose_no_block() -> None:
    """Charges cancelled at random points, some in the middle of a round trip: after close,
    Redis counts exactly the charges that returned, minus those given back."""
    rng = random.Random(6)
    budget = on_redis(None, block=8)
    returned: list[zc.Charge] = []
    refunded: list[zc.Charge] = []

    async def spend(delays: list[float]) -> None:
        for delay in delays:
            with anyio.move_on_after(delay):
                charge = await budget.charge(1)
                returned.append(charge)
                if len(returned) % 3 == 0:
                    await budget.refund(charge)
                    refunded.append(charge)

    try:
        async with anyio.create_task_group() as group:
            for _ in range(40):
                group.start_soon(spend, [rng.uniform(0, 0.003) for _ in range(25)])
    finally:
        await budget.aclose()
    assert 0 < len(returned) < 1000
    assert counted(budget) == len(returned) - len(refunded)


def test_a_bad_block_size_is_refused_by_name() -> None:
    for bad in (0, -1, 2.5, "8"):
        with pytest.raises(zc.InvalidArgumentError, match=rf"block must be .*got {bad!r}"):
            zc.RedisCreditBudget(redis_url(), 100, block=bad)  # type: ignore[arg-type]


async def test_credit_block_sets_the_redis_budget_block(fake: FakeZohoCRM) -> None:
    common = {"credit_budget": 1000, "credit_store": "redis", "redis_url": redis_url()}
    assert fake.config(**common).credit_block == BLOCK  # the config's default, in sync
    for block in (1, 7):
        config = fake.config(**common, credit_block=str(block), redis_key_prefix=fresh_key_prefix())
        async with zc.ZohoCRM(config, transport=fake.transport()) as crm:
            assert isinstance(crm.credits, zc.RedisCreditBudget) and crm.credits.block == block
            await crm.oauth.generate_access_token(fake.issue_grant_code())
            await crm.org.get()
            usage = await crm.usage()
            assert usage.spent == 1  # the block's unused credits given back by usage()

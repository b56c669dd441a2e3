"""The rolling-window rules every credit budget keeps, written once and run against each store
(the local dictionary in tests/test_credits.py, Redis in tests/test_credits_redis.py).

``make(budget, **options)`` builds a budget of the store under test on the clock it is given.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

import zcrm_async as zc

MakeBudget = Callable[..., zc.CreditBudget]

#: 1,000,020 s is a bucket boundary for 60-second buckets; T0 is 40 s into the bucket before.
T0 = 1_000_000.0
HOUR = 3600.0


class Clock:
    """A clock the test moves by hand (Unix time, seconds)."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def credits_leave_a_full_window_later_at_a_bucket_end(make: MakeBudget) -> None:
    clock = Clock()
    budget = make(None, clock=clock, window=HOUR, granularity=60)
    await budget.charge(3)  # at T0, in the bucket [999,960, 1,000,020)
    clock.now = T0 + 600
    await budget.charge(2)  # in the bucket [1,000,560, 1,000,620)
    usage = await budget.usage()
    assert (usage.spent, usage.budget, usage.remaining) == (5, None, None)
    assert usage.frees_at == 1_000_020 + HOUR  # the first bucket's end, one window later
    clock.now = 1_000_020 + HOUR - 0.001
    assert (await budget.usage()).spent == 5
    clock.now = 1_000_020 + HOUR
    usage = await budget.usage()
    assert usage.spent == 2 and usage.frees_at == 1_000_620 + HOUR
    clock.now = 1_000_620 + HOUR
    usage = await budget.usage()
    assert usage.spent == 0 and usage.frees_at is None


async def no_credit_is_freed_before_a_full_window(make: MakeBudget) -> None:
    """Random charges: each is counted for at least one window, at most one bucket more."""
    rng = random.Random(14)
    clock = Clock()
    budget = make(None, clock=clock, window=600, granularity=10)
    charges: list[tuple[float, int]] = []
    for _ in range(60):
        clock.now += rng.uniform(0, 40)
        cost = rng.randint(1, 5)
        await budget.charge(cost)
        charges.append((clock.now, cost))
        at_least = sum(c for t, c in charges if clock.now - t < 600)
        at_most = sum(c for t, c in charges if clock.now - t < 610)
        assert at_least <= (await budget.usage()).spent <= at_most


async def a_call_past_the_budget_is_refused_and_says_when_credits_free_up(
    make: MakeBudget,
) -> None:
    clock = Clock()
    budget = make(10, clock=clock, window=HOUR, granularity=60)
    await budget.charge(6)
    clock.now = T0 + 120
    await budget.charge(4)
    with pytest.raises(zc.CreditBudgetError) as refused:
        await budget.charge(1)
    error = refused.value
    assert error.cost == 1
    assert (error.usage.spent, error.usage.budget, error.usage.remaining) == (10, 10, 0)
    frees = 1_000_020 + HOUR  # the first charge's bucket leaves the window
    message = str(error)
    assert "10 of 10 credits spent in the last 1 h" in message
    assert datetime.fromtimestamp(frees, UTC).strftime("%Y-%m-%d %H:%M:%S UTC") in message
    assert "credit_policy='wait'" in message and "credit_budget" in message
    assert (await budget.usage()).spent == 10  # the refused call took nothing
    clock.now = frees
    await budget.charge(5)
    assert (await budget.usage()).spent == 9


async def the_reserve_is_left_unspent(make: MakeBudget) -> None:
    budget = make(10, reserve=3, clock=Clock(), window=HOUR)
    for _ in range(7):
        await budget.charge(1)
    with pytest.raises(zc.CreditBudgetError, match=r"3 kept in reserve"):
        await budget.charge(1)
    usage = await budget.usage()
    assert (usage.spent, usage.remaining, usage.reserve) == (7, 3, 3)


async def a_call_costing_more_than_the_budget_can_allow_never_waits(make: MakeBudget) -> None:
    budget = make(10, reserve=2, policy="wait", max_wait=3600, clock=Clock(), window=HOUR)
    with pytest.raises(zc.CreditBudgetError, match="more than the budget can ever allow"):
        await budget.charge(9)
    assert (await budget.usage()).spent == 0


async def a_refund_gives_back_only_what_is_still_counted(make: MakeBudget) -> None:
    clock = Clock()
    budget = make(10, clock=clock, window=HOUR, granularity=60)
    kept = await budget.charge(4)
    returned = await budget.charge(5)
    await budget.refund(returned)
    assert (await budget.usage()).spent == 4
    await budget.charge(6)  # the refund made room: 4 + 6 = 10
    clock.now = 1_000_020 + HOUR  # the bucket of every charge above left the window
    await budget.refund(kept)  # too late: nothing to give back, nothing goes negative
    usage = await budget.usage()
    assert usage.spent == 0 and usage.frees_at is None


async def a_long_pause_empties_the_window(make: MakeBudget) -> None:
    clock = Clock()
    budget = make(100, clock=clock, window=HOUR, granularity=60)
    for _ in range(5):
        await budget.charge(20)
        clock.now += 61
    clock.now += 10 * HOUR
    usage = await budget.usage()
    assert (usage.spent, usage.frees_at) == (0, None)
    await budget.charge(100)
    assert (await budget.usage()).spent == 100


async def without_a_budget_spending_is_counted_and_never_refused(make: MakeBudget) -> None:
    budget = make(None, clock=Clock())
    for _ in range(50):
        await budget.charge(1000)
    usage = await budget.usage()
    assert (usage.spent, usage.budget, usage.remaining) == (50_000, None, None)


async def a_hook_decides_and_may_let_the_call_go_over(make: MakeBudget) -> None:
    seen: list[tuple[int, int | None, int]] = []

    def hook(usage: zc.CreditUsage, cost: int) -> None:
        seen.append((usage.spent, usage.budget, cost))

    budget = make(5, policy=hook, clock=Clock(), window=HOUR)
    await budget.charge(5)
    await budget.charge(2)  # the hook returned: the call goes ahead, counted
    assert seen == [(5, 5, 2)]
    assert (await budget.usage()).spent == 7


async def an_async_hook_that_raises_stops_the_call(make: MakeBudget) -> None:
    class Stop(Exception):
        pass

    async def hook(usage: zc.CreditUsage, cost: int) -> None:
        raise Stop(f"{usage.spent}+{cost}")

    budget = make(5, policy=hook, clock=Clock(), window=HOUR)
    await budget.charge(4)
    with pytest.raises(Stop, match=r"4\+3"):
        await budget.charge(3)
    assert (await budget.usage()).spent == 4


#: Every scenario above, for the test modules to run against their store.
SCENARIOS: list[Callable[[MakeBudget], Any]] = [
    credits_leave_a_full_window_later_at_a_bucket_end,
    no_credit_is_freed_before_a_full_window,
    a_call_past_the_budget_is_refused_and_says_when_credits_free_up,
    the_reserve_is_left_unspent,
    a_call_costing_more_than_the_budget_can_allow_never_waits,
    a_refund_gives_back_only_what_is_still_counted,
    a_long_pause_empties_the_window,
    without_a_budget_spending_is_counted_and_never_refused,
    a_hook_decides_and_may_let_the_call_go_over,
    an_async_hook_that_raises_stops_the_call,
]

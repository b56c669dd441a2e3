"""Adaptive concurrency (AIMD) and the heavy-API sub-limit, in unit and against the fake."""

from __future__ import annotations

import json

import anyio
import pytest

import zcrm_async as zc
from zcrm_async._http._aimd import CLUSTER_MIN, Tally, Verdict, verdict
from zcrm_async._http._limiter import HEAVY_API_LIMIT, AdaptiveLimiter
from zcrm_async.testing import FakeZohoCRM
from zcrm_async.testing._throttle import is_heavy

pytestmark = pytest.mark.anyio


def cluster(adaptive: AdaptiveLimiter) -> None:
    """As many 429s of the current epoch as make a cluster."""
    epoch = adaptive.epoch
    for _ in range(CLUSTER_MIN):
        adaptive.on_throttled(epoch)


async def test_clustered_429s_halve_once_per_burst_and_never_below_one() -> None:
    adaptive = AdaptiveLimiter(anyio.CapacityLimiter(8))
    epoch = adaptive.epoch
    for _ in range(CLUSTER_MIN - 1):
        adaptive.on_throttled(epoch)
    assert adaptive.current == 8  # not yet a cluster
    adaptive.on_throttled(epoch)
    assert adaptive.current == 4
    for _ in range(10):
        adaptive.on_throttled(epoch)  # calls of the same burst: no second cut
    assert adaptive.current == 4
    for _ in range(5):
        cluster(adaptive)
    assert adaptive.current == 1
    assert adaptive.cuts == 3


async def test_isolated_429s_do_not_cut() -> None:
    """One call in ten refused at random, evenly spread: never a cluster, never a cut."""
    adaptive = AdaptiveLimiter(anyio.CapacityLimiter(10))
    for call in range(1, 1001):
        if call % 10 == 0:
            adaptive.on_throttled(adaptive.epoch)
        else:
            adaptive.on_success()
    assert adaptive.cuts == 0 and adaptive.current == 10


async def test_429s_are_forgotten_as_successes_pile_up() -> None:
    """Three 429s long ago and one now are not a cluster: the counts decay."""
    adaptive = AdaptiveLimiter(anyio.CapacityLimiter(10))
    for _ in range(CLUSTER_MIN - 1):
        adaptive.on_throttled(adaptive.epoch)
    for _ in range(200):
        adaptive.on_success()
    adaptive.on_throttled(adaptive.epoch)
    assert adaptive.cuts == 0


@pytest.mark.parametrize(
    ("tally", "expected"),
    [
        (Tally(10, 10, 1, 0, 4, 4), Verdict("cut", 5)),
        (Tally(10, 10, 1, 12, 16, 4), Verdict("cut", 5)),  # 4 of 16: a quarter
        (Tally(10, 10, 1, 13, 17, 4), None),  # 4 of 17: less than a quarter
        (Tally(1, 10, 1, 0, 4, 4), Verdict("cut", 1)),
        (Tally(4, 10, 1, 4, 4, 0), Verdict("regrow", 5)),
        (Tally(4, 10, 1, 3, 3, 0), None),
        (Tally(10, 10, 1, 50, 40, 3), Verdict("decay", 10)),
    ],
)
def test_the_one_decision(tally: Tally, expected: Verdict | None) -> None:
    assert verdict(tally) == expected


async def test_success_grows_back_additively_up_to_the_maximum() -> None:
    adaptive = AdaptiveLimiter(anyio.CapacityLimiter(4))
    cluster(adaptive)
    assert adaptive.current == 2
    adaptive.on_success()
    assert adaptive.current == 2  # one success is not a full window of 2
    adaptive.on_success()
    assert adaptive.current == 3
    for _ in range(3):
        adaptive.on_success()
    assert adaptive.current == 4
    for _ in range(20):
        adaptive.on_success()
    assert adaptive.current == 4 == adaptive.maximum


async def test_heavy_slots_are_capped_at_zohos_sub_limit() -> None:
    adaptive = AdaptiveLimiter(anyio.CapacityLimiter(25))
    assert adaptive.heavy.total_tokens == HEAVY_API_LIMIT == 10
    assert AdaptiveLimiter(anyio.CapacityLimiter(4)).heavy.total_tokens == 4


@pytest.mark.parametrize(
    ("method", "path", "body", "heavy"),
    [
        ("GET", "/crm/v8/Leads/search", b"", True),
        ("POST", "/crm/v8/coql", b'{"select_query": "x"}', True),
        ("POST", "/crm/v8/Leads/1/actions/convert", b'{"data": [{}]}', True),
        ("POST", "/crm/v8/Leads", b'{"data": [' + b",".join([b"{}"] * 11) + b"]}", True),
        ("POST", "/crm/v8/Leads", b'{"data": [' + b",".join([b"{}"] * 10) + b"]}", False),
        ("GET", "/crm/v8/Leads", b"", False),
    ],
)
async def test_fake_classifies_heavy_calls(
    method: str, path: str, body: bytes, heavy: bool
) -> None:
    assert is_heavy(method, path, json.loads(body) if body else None) is heavy


async def test_client_adapts_to_a_lower_server_limit_and_loses_nothing(
    fake: FakeZohoCRM, fast_retry: zc.RetryPolicy
) -> None:
    fake.max_concurrency = 3
    fake.latency = 0.02
    retry = zc.RetryPolicy(max_retries=20, initial_delay=0.005, max_delay=0.05)
    async with zc.ZohoCRM(
        fake.config(max_concurrency=10), transport=fake.transport(), retry=retry
    ) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        rows = [{"Last_Name": f"L{i}", "Email": f"l{i}@example.com"} for i in range(2000)]
        result = await crm.records("Leads").create(rows)
        adaptive = crm.limiter
    assert not result.failed
    assert fake.stats.throttled > 0
    assert adaptive.cuts >= 1
    # No 429 storm: the limit came down and most calls went through the first time.
    assert adaptive.current <= 6
    assert fake.stats.throttled < 0.5 * fake.stats.api_requests
    stored = sorted(r["Email"] for r in fake.records("Leads").values())
    assert stored == sorted(r["Email"] for r in rows)  # each exactly once


async def test_heavy_calls_stay_within_ten_while_light_calls_use_more(
    fake: FakeZohoCRM, fast_retry: zc.RetryPolicy
) -> None:
    fake.heavy_max_concurrency = 10
    fake.latency = 0.05
    async with zc.ZohoCRM(
        fake.config(max_concurrency=20), transport=fake.transport(), retry=fast_retry
    ) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        leads = crm.records("Leads")
        fake.add_records("Leads", [{"Last_Name": "Smith"}])

        async def search() -> None:
            await leads.search(criteria="(Last_Name:equals:Smith)")

        fake.stats.reset()
        async with anyio.create_task_group() as group:
            for _ in range(30):
                group.start_soon(search)
        assert fake.stats.throttled == 0
        assert fake.stats.max_in_flight == 10

        async def count() -> None:
            await leads.count()

        fake.stats.reset()
        async with anyio.create_task_group() as group:
            for _ in range(30):
                group.start_soon(count)
        assert fake.stats.max_in_flight == 20


async def test_fake_random_429_rate(fake: FakeZohoCRM, crm: zc.ZohoCRM) -> None:
    with pytest.raises(ValueError, match="fail_429_rate"):
        fake.fail_429_rate = 1.5
    fake.fail_429_rate = 1.0
    with pytest.raises(zc.RateLimitError):
        await crm.org.get()
    assert fake.stats.throttled == crm.retry.max_retries + 1
    fake.fail_429_rate = 0.0
    assert (await crm.org.get()).zgid


async def handover_order(limiter: zc.Limiter) -> list[str]:
    """A call gives its slot back while another waits for it: who goes on first."""
    order: list[str] = []

    async def giver() -> None:
        async with limiter.slot():
            await anyio.sleep(0.05)  # the taker queues meanwhile
        order.append("the giver decodes its answer")

    async def taker() -> None:
        await anyio.sleep(0.01)
        async with limiter.slot():
            order.append("the taker sends")

    with anyio.fail_after(10):
        async with anyio.create_task_group() as group:
            group.start_soon(giver)
            group.start_soon(taker)
    return order


@pytest.mark.backends("asyncio")  # trio's scheduler orders tasks woken together itself
async def test_a_slot_given_to_a_waiting_call_lets_it_send_before_the_giver_goes_on() -> None:
    limiter = AdaptiveLimiter(anyio.CapacityLimiter(1))
    assert await handover_order(limiter) == ["the taker sends", "the giver decodes its answer"]

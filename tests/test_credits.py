"""API credits in one process: the local budget's window, its policies, the config keys, and
what the request path charges and gives back (against the fake)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import anyio
import httpx
import pytest

import zcrm_async as zc
from tests._http.test_core import Scripted
from tests.credit_scenarios import SCENARIOS, Clock, MakeBudget
from zcrm_async.testing import FakeZohoCRM

pytestmark = pytest.mark.anyio


def local(budget: int | None, **options: Any) -> zc.CreditBudget:
    return zc.LocalCreditBudget(budget, **options)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
async def test_local_budget(scenario: Callable[[MakeBudget], Any]) -> None:
    await scenario(local)


# -- waiting ---------------------------------------------------------------------------------


async def test_wait_sleeps_until_credits_leave_the_window_then_goes_on() -> None:
    budget = zc.LocalCreditBudget(3, policy="wait", max_wait=5, window=0.6, granularity=0.05)
    for _ in range(3):
        await budget.charge(1)
    started = time.monotonic()
    await budget.charge(2)
    assert time.monotonic() - started >= 0.55  # credits leave one full window later
    assert (await budget.usage()).spent == 2


async def test_wait_refuses_at_once_when_credits_free_up_after_max_wait() -> None:
    budget = zc.LocalCreditBudget(3, policy="wait", max_wait=0.2, window=30, granularity=1)
    await budget.charge(3)
    started = time.monotonic()
    with pytest.raises(zc.CreditBudgetError, match=r"beyond credit_max_wait=0.2 s") as refused:
        await budget.charge(1)
    assert time.monotonic() - started < 5  # did not sleep the 30 s window in vain
    assert refused.value.usage.frees_at is not None


async def test_many_tasks_waiting_share_the_credits_that_free_up() -> None:
    budget = zc.LocalCreditBudget(4, policy="wait", max_wait=10, window=0.5, granularity=0.05)
    done: list[float] = []

    async def spend() -> None:
        await budget.charge(1)
        done.append(time.monotonic())

    started = time.monotonic()
    async with anyio.create_task_group() as group:
        for _ in range(12):
            group.start_soon(spend)
    assert len(done) == 12
    assert sorted(done)[4] - started >= 0.45  # the fifth waited one window
    assert sorted(done)[8] - started >= 0.95  # the ninth two
    assert (await budget.usage()).spent <= 4


# -- arguments and config --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"budget": 0}, "budget must be a whole number"),
        ({"budget": 10, "reserve": 10}, "reserve must be"),
        ({"budget": 10, "policy": "sleep"}, "policy must be 'raise', 'wait' or a callable"),
        ({"budget": 10, "max_wait": -1}, "max_wait must be"),
        ({"budget": 10, "granularity": 0}, "granularity must be"),
    ],
)
def test_bad_budget_arguments_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(zc.InvalidArgumentError, match=message):
        zc.LocalCreditBudget(**kwargs)


BASE = {"client_id": "1000.X", "client_secret": "s", "redirect_uri": "https://x.example/cb"}


@pytest.mark.parametrize(
    ("keys", "key", "message"),
    [
        ({"credit_budget": 0}, "credit_budget", "whole number 1.."),
        ({"credit_budget": "lots"}, "credit_budget", "whole number"),
        ({"credit_budget": 100, "credit_reserve": 100}, "credit_reserve", "not below"),
        ({"credit_policy": "sleep"}, "credit_policy", "raise, wait"),
        ({"credit_max_wait": "-3"}, "credit_max_wait", "seconds >= 0"),
        ({"credit_store": "mysql"}, "credit_store", "local, redis"),
        ({"credit_store": "redis"}, "redis_url", "mandatory with credit_store='redis'"),
        ({"credit_costs": "{not json"}, "credit_costs", "is not JSON"),
        ({"credit_block": 0}, "credit_block", "whole number 1.."),
        ({"credit_block": "many"}, "credit_block", "whole number 1.."),
    ],
)
def test_bad_credit_keys_name_the_key(keys: dict[str, Any], key: str, message: str) -> None:
    with pytest.raises(zc.ConfigError, match=message) as refused:
        zc.Config.from_dict({**BASE, **keys})
    assert refused.value.key == key


async def test_the_config_keys_build_the_budget(fake: FakeZohoCRM) -> None:
    config = fake.config(
        credit_budget="5000",
        credit_reserve="500",
        credit_policy="wait",
        credit_max_wait="7.5",
        credit_costs='{"GET org": 4}',
    )
    async with zc.ZohoCRM(config, transport=fake.transport()) as crm:
        budget = crm.credits
        assert isinstance(budget, zc.LocalCreditBudget)
        assert (budget.budget, budget.reserve, budget.policy, budget.max_wait) == (
            5000,
            500,
            "wait",
            7.5,
        )
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        await crm.org.get()
        usage = await crm.usage()
        assert (usage.spent, usage.remaining, usage.store) == (4, 4996, "local")


async def test_env_variables_set_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZCRM_CLIENT_ID", "1000.X")
    monkeypatch.setenv("ZCRM_CLIENT_SECRET", "s")
    monkeypatch.setenv("ZCRM_REDIRECT_URI", "https://x.example/cb")
    monkeypatch.setenv("ZCRM_CREDIT_BUDGET", "25000")
    monkeypatch.setenv("ZCRM_CREDIT_COSTS", '{"POST coql": 2}')
    config = zc.Config.from_env()
    assert config.credit_budget == 25000 and dict(config.credit_costs) == {"POST coql": 2}


# -- the request path ------------------------------------------------------------------------


async def spent(crm: zc.ZohoCRM) -> int:
    return (await crm.usage()).spent


async def test_without_a_budget_calls_are_counted_by_their_cost(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    usage = await crm.usage()
    assert (usage.budget, usage.remaining, usage.spent) == (None, None, 0)
    await crm.org.get()
    assert await spent(crm) == 1
    ids = [r.id for r in await crm.records("Leads").create([{"Last_Name": "A"}] * 25)]
    assert await spent(crm) == 1 + 3  # 25 records: 1 credit per 10
    await crm.records("Leads").convert(ids[0])
    assert await spent(crm) == 4 + 5
    await crm.coql("select Last_Name from Leads where Last_Name = 'A' limit 500")
    assert await spent(crm) == 9 + 2
    assert (await crm.with_options(timeout=5).usage()).spent == 11  # views share the budget


async def test_a_call_gives_its_own_cost(crm: zc.ZohoCRM) -> None:
    await crm.request("GET", "org", credits=7)
    await crm.request("GET", "org", credits=0)
    assert await spent(crm) == 7
    with pytest.raises(zc.InvalidArgumentError, match="credits must be a whole number"):
        await crm.request("GET", "org", credits=-2)
    assert await spent(crm) == 7


async def test_429_is_given_back_and_each_retry_charged(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    fake.fail_next(429, times=2, retry_after=0.001)
    await crm.org.get()
    assert await spent(crm) == 1  # Zoho refused two attempts before processing them
    fake.fail_next(503)  # a GET is retried: both attempts reached Zoho
    await crm.org.get()
    assert await spent(crm) == 3
    fake.fail_next(500, method="POST")  # not retried, still counted
    with pytest.raises(zc.ServerError):
        await crm.records("Leads").create([{"Last_Name": "B"}])
    fake.fail_next(404)
    with pytest.raises(zc.NotFoundError):
        await crm.org.get()
    assert await spent(crm) == 5


async def test_a_rejected_token_is_not_charged_its_replay_is(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    fake.expire_access_tokens()  # the next call gets 401 INVALID_TOKEN, refreshes, replays
    fake.stats.reset()
    await crm.org.get()
    assert fake.stats.api_requests == 2
    assert await spent(crm) == 1


async def test_a_call_never_sent_is_given_back_one_maybe_processed_is_not(
    fake: FakeZohoCRM, fast_retry: zc.RetryPolicy
) -> None:
    failures = [httpx.ConnectError("refused"), httpx.ReadTimeout("no answer")]

    def script(request: httpx.Request) -> httpx.Response | None:
        if "/crm/" in request.url.path and failures:
            raise failures.pop(0)
        return None

    transport = Scripted(fake, script)
    async with zc.ZohoCRM(fake.config(), transport=transport, retry=fast_retry) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        await crm.org.get()  # refused (never sent), timed out (maybe processed), answered
        assert await spent(crm) == 2


async def test_a_refused_call_is_never_sent(fake: FakeZohoCRM) -> None:
    budget = zc.LocalCreditBudget(3)
    async with zc.ZohoCRM(fake.config(), transport=fake.transport(), credits=budget) as crm:
        assert crm.credits is budget
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        await crm.org.get()
        fake.stats.reset()
        with pytest.raises(zc.CreditBudgetError, match="1 of 3 credits") as refused:
            await crm.records("Leads").convert("1234")
        assert refused.value.cost == 5
        assert fake.stats.api_requests == 0
        assert (await crm.usage()).spent == 1


async def test_a_cancelled_wait_takes_no_credit(fake: FakeZohoCRM) -> None:
    budget = zc.LocalCreditBudget(2, policy="wait", max_wait=60, window=30)
    async with zc.ZohoCRM(fake.config(), transport=fake.transport(), credits=budget) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        await crm.request("GET", "org", credits=2)
        with anyio.move_on_after(0.2) as scope:
            await crm.request("GET", "org")  # waits for credits, then is cancelled
        assert scope.cancelled_caught
        assert (await crm.usage()).spent == 2


async def test_the_hook_policy_sees_the_usage_of_the_client(fake: FakeZohoCRM) -> None:
    seen: list[zc.CreditUsage] = []
    config = fake.config(credit_budget=2, credit_policy=lambda usage, cost: seen.append(usage))
    async with zc.ZohoCRM(config, transport=fake.transport()) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        for _ in range(3):
            await crm.org.get()
        assert [usage.spent for usage in seen] == [2]
        assert (await crm.usage()).spent == 3


async def test_usage_with_an_injected_clock(fake: FakeZohoCRM) -> None:
    clock = Clock()
    budget = zc.LocalCreditBudget(100, clock=clock)
    async with zc.ZohoCRM(fake.config(), transport=fake.transport(), credits=budget) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        await crm.org.get()
        usage = await crm.usage()
        assert usage.frees_at == 1_000_020 + 86_400
        clock.now = usage.frees_at
        assert (await crm.usage()).spent == 0


async def test_a_streamed_download_is_one_call(crm: zc.ZohoCRM) -> None:
    lead_id = (await crm.records("Leads").create([{"Last_Name": "Photo"}]))[0].id
    await crm.records("Leads").upload_photo(lead_id, b"\x89PNG\r\n\x1a\n" + bytes(100))
    before = await spent(crm)
    async with crm.stream("GET", f"Leads/{lead_id}/photo") as photo:
        assert len(b"".join([chunk async for chunk in photo.aiter_bytes()])) == 108
    assert await spent(crm) == before + 1

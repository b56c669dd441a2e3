"""What Zoho says of the org's API credits: ``X-API-CREDITS-REMAINING`` in ``usage()``, and a
429 of spent credits raised at once, the limiter left alone (against the fake's allowance)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest

import zcrm_async as zc
from tests._http.test_core import client_on
from zcrm_async.testing import FakeZohoCRM

pytestmark = pytest.mark.anyio


async def calls(crm: zc.ZohoCRM, count: int, **options: int) -> list[BaseException | None]:
    """``count`` calls one after the other; what each raised (None: it succeeded)."""
    outcomes: list[BaseException | None] = []
    for _ in range(count):
        try:
            await crm.request("GET", "org", **options)  # type: ignore[arg-type]
        except zc.ZCRMError as error:
            outcomes.append(error)
        else:
            outcomes.append(None)
    return outcomes


async def test_usage_shows_zohos_figure_from_half_the_allowance(
    fake: FakeZohoCRM, crm: zc.ZohoCRM
) -> None:
    fake.credit_allowance = 10
    await calls(crm, 4)
    usage = await crm.usage()
    assert (usage.zoho_remaining, usage.zoho_seen_at) == (None, None)
    assert usage.spent == 4  # the client's own count, as before
    before = time.time()
    await calls(crm, 2)
    usage = await crm.usage()
    assert usage.zoho_remaining == 4 == fake.credits.remaining
    assert usage.zoho_seen_at is not None and before <= usage.zoho_seen_at <= time.time()
    fake.reset_credits()  # the org's count falls; Zoho's next figure replaces the last
    fake.credits_header_from = 0
    await calls(crm, 1)
    assert (await crm.usage()).zoho_remaining == 9


async def test_spent_credits_raise_after_one_request_and_leave_the_limiter(
    fake: FakeZohoCRM, crm: zc.ZohoCRM
) -> None:
    fake.credit_allowance = 3
    assert await calls(crm, 3) == [None, None, None]
    fake.stats.reset()
    limit = crm.limiter.current
    with pytest.raises(zc.CreditsExhaustedError) as raised:
        await crm.request("GET", "org")
    assert fake.stats.api_requests == 1  # not retried
    error = raised.value
    assert isinstance(error, zc.RateLimitError) and error.status_code == 429
    assert error.code == "TOO_MANY_REQUESTS" and error.rate_limit.credits_remaining == 0
    assert "credits are spent" in str(error) and "not retried" in str(error)
    assert "Zoho does not say when credits free up" in str(error)
    # Eight more, each raised after its one request: a cluster of 429s that would cut the
    # limiter were they congestion.
    outcomes = await calls(crm, 8)
    assert all(isinstance(o, zc.CreditsExhaustedError) for o in outcomes)
    assert fake.stats.api_requests == 9
    assert crm.limiter.current == limit
    assert (await crm.usage()).zoho_remaining == 0


async def test_a_retry_after_says_when_credits_free_up(
    fake: FakeZohoCRM, fast_retry: zc.RetryPolicy
) -> None:
    def spent(request: httpx.Request) -> httpx.Response | None:
        if not request.url.path.endswith("/org"):
            return None
        return httpx.Response(
            429,
            json={"code": "TOO_MANY_REQUESTS", "details": {}, "message": "no", "status": "error"},
            headers={"X-API-CREDITS-REMAINING": "0", "Retry-After": "3600"},
        )

    crm, transport = await client_on(fake, spent, fast_retry)
    async with crm:
        with pytest.raises(
            zc.CreditsExhaustedError, match="Zoho asks to retry in 3600 s"
        ) as raised:
            await crm.request("GET", "org")
    assert raised.value.retry_after == 3600
    assert sum(r.url.path.endswith("/org") for r in transport.seen) == 1


async def test_other_429s_are_retried_and_cut_the_limiter(
    fake: FakeZohoCRM, crm: zc.ZohoCRM
) -> None:
    fake.fail_next(429, times=2)  # no header: congestion, as before
    assert await calls(crm, 1) == [None]
    assert fake.stats.api_requests == 3
    # Credits left (the header says so) but too many calls at once: retried, then raised.
    fake.credit_allowance, fake.credits_header_from = 100, 0
    fake.max_concurrency = 0
    fake.stats.reset()
    limit = crm.limiter.current
    outcomes = await calls(crm, 8, max_retries=1)
    assert all(type(o) is zc.RateLimitError for o in outcomes)
    assert fake.stats.api_requests == 16  # each call and its one retry
    assert crm.limiter.current < limit  # the cluster of 429s cut it
    assert (await crm.usage()).zoho_remaining == 99 and fake.credits.spent == 1


async def test_spent_credits_without_the_header_look_like_congestion(
    fake: FakeZohoCRM, crm: zc.ZohoCRM
) -> None:
    fake.credit_allowance, fake.credits_header_from = 1, None  # Zoho saying nothing
    await calls(crm, 1)
    fake.stats.reset()
    with pytest.raises(zc.RateLimitError) as raised:
        await crm.request("GET", "org", max_retries=2)
    assert type(raised.value) is zc.RateLimitError
    assert fake.stats.api_requests == 3


@pytest.fixture
async def served_crm(fast_retry: zc.RetryPolicy) -> AsyncIterator[tuple[FakeZohoCRM, zc.ZohoCRM]]:
    fake = FakeZohoCRM(credit_allowance=6)
    with fake.serve_in_thread():
        async with zc.ZohoCRM(fake.config(), retry=fast_retry) as crm:
            await crm.oauth.generate_access_token(fake.issue_grant_code())
            yield fake, crm


@pytest.mark.socket
async def test_over_a_socket(served_crm: tuple[FakeZohoCRM, zc.ZohoCRM]) -> None:
    fake, crm = served_crm
    assert fake.base_url.startswith("http://127.0.0.1:")
    assert await calls(crm, 3) == [None, None, None]
    assert (await crm.usage()).zoho_remaining == 3
    await calls(crm, 3)
    fake.stats.reset()
    limit = crm.limiter.current
    outcomes = await calls(crm, 6)
    assert all(isinstance(o, zc.CreditsExhaustedError) for o in outcomes)
    assert fake.stats.api_requests == 6 and crm.limiter.current == limit
    assert (await crm.usage()).zoho_remaining == 0

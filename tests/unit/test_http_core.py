"""The HTTP core: retries by method and failure, Retry-After, envelope decoding, error mapping."""

from __future__ import annotations

import logging
import time

import anyio
import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

pytestmark = pytest.mark.anyio


async def test_a_post_is_not_retried_on_500(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    fake.stats.reset()
    fake.fail_next(500, method="POST")
    with pytest.raises(zc.ServerError) as info:
        await crm.request("POST", "Leads", json={"data": [{"Last_Name": "Once"}]})
    assert info.value.status_code == 500 and info.value.code == "INTERNAL_ERROR"
    assert fake.stats.api_requests == 1
    assert fake.records("Leads") == {}


async def test_a_get_is_retried_on_5xx(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    fake.stats.reset()
    fake.fail_next(503, times=2)
    org = await crm.org.get()
    assert org.company_name
    assert fake.stats.api_requests == 3


async def test_retries_give_up_after_max_retries(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    fake.stats.reset()
    fake.fail_next(502, times=10)
    with pytest.raises(zc.ServerError):
        await crm.org.get()
    assert fake.stats.api_requests == 4  # 1 + max_retries (3)


async def test_429_is_retried_for_any_method_after_retry_after(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    fake.stats.reset()
    fake.fail_next(429, retry_after=0.3, method="POST")
    started = time.monotonic()
    result = await crm.records("Leads").create([{"Last_Name": "Patient"}])
    assert time.monotonic() - started >= 0.3  # waited as told, not the tiny test backoff
    assert result[0].ok
    assert fake.stats.api_requests == 2
    assert len(fake.records("Leads")) == 1  # written exactly once


async def test_persistent_429_raises_rate_limit_error_with_retry_after(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    fake.fail_next(429, retry_after=0.01, times=10)
    with pytest.raises(zc.RateLimitError) as info:
        await crm.org.get()
    assert info.value.retry_after == pytest.approx(0.01)
    assert info.value.code == "TOO_MANY_REQUESTS"


async def test_a_dropped_connection_is_retried_for_get_only(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    fake.drop_next()
    assert (await crm.org.get()).zgid
    fake.stats.reset()
    fake.drop_next(method="POST")
    with pytest.raises(zc.TransportError, match="RemoteProtocolError"):
        await crm.request("POST", "Leads", json={"data": [{"Last_Name": "Maybe"}]})
    assert fake.stats.api_requests == 1


async def test_malformed_json_is_an_api_error_with_a_snippet(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    fake.malformed_next()
    with pytest.raises(zc.APIError) as info:
        await crm.org.get()
    assert info.value.code == "MALFORMED_RESPONSE"
    assert "not JSON" in str(info.value) and "<" in str(info.value)  # a bit of the HTML body


async def test_204_is_empty_not_an_error(crm: zc.ZohoCRM) -> None:
    page = await crm.records("Leads").list(fields=["Last_Name"])
    assert page.items == [] and not page.info.more_records
    assert [r async for r in crm.records("Leads").search(email="none@example.com")] == []


async def test_errors_map_to_the_exception_tree(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    with pytest.raises(zc.APIError) as info:
        await crm.records("Nonexistent_Module").list(fields=["Name"])
    assert info.value.status_code == 400 and info.value.code == "INVALID_MODULE"
    fake.fail_next(403, code="NO_PERMISSION")
    with pytest.raises(zc.PermissionDeniedError):
        await crm.org.get()
    with pytest.raises(zc.NotFoundError) as not_found:
        await crm.request("GET", "no/such/thing/at/all")
    assert not_found.value.code == "INVALID_URL_PATTERN"
    assert "/crm/v8/no/such/thing/at/all" in str(not_found.value)


async def test_the_limiter_bounds_requests_in_flight(fake: FakeZohoCRM) -> None:
    fake.latency = 0.01
    config = fake.config(max_concurrency=3)
    async with zc.ZohoCRM(config, transport=fake.transport()) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        fake.stats.reset()
        async with anyio.create_task_group() as group:
            for _ in range(30):
                group.start_soon(crm.org.get)
    assert fake.stats.api_requests == 30
    assert fake.stats.max_in_flight == 3


async def test_api_calls_go_to_the_api_domain_of_the_token(fake: FakeZohoCRM) -> None:
    seen: list[str] = []
    inner = fake.transport()

    class Recorder(type(inner)):  # type: ignore[misc]
        async def handle_async_request(self, request):  # type: ignore[no-untyped-def]
            seen.append(str(request.url.copy_with(query=None)))
            return await inner.handle_async_request(request)

    recorder = Recorder(app=fake.app)
    async with zc.ZohoCRM(fake.config(), transport=recorder) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        await crm.org.get()
    assert seen[-1] == f"{fake.base_url}/crm/v8/org"


async def test_api_version_v2_is_used_in_urls(fake: FakeZohoCRM) -> None:
    async with zc.ZohoCRM(fake.config(api_version="v2"), transport=fake.transport()) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        await crm.records("Leads").create([{"Last_Name": "Old"}])
        names = [r["Last_Name"] async for r in crm.records("Leads").list()]  # fields optional
    assert names == ["Old"]
    assert fake.stats.by_route["GET /crm/{version}/{module}"] == 1


async def test_each_retry_passes_through_auth_again(fake: FakeZohoCRM) -> None:
    """A 503, then the token expires before the retry: the retry is re-signed after a refresh."""
    inner = fake.transport()
    failed_once = False

    class ExpireAfterFirst503(type(inner)):  # type: ignore[misc]
        async def handle_async_request(self, request):  # type: ignore[no-untyped-def]
            nonlocal failed_once
            response = await inner.handle_async_request(request)
            if request.url.path.endswith("/org") and not failed_once:
                failed_once = True
                fake.expire_access_tokens()
                return type(response)(503, json={"code": "INTERNAL_ERROR", "status": "error"})
            return response

    retry = zc.RetryPolicy(max_retries=3, initial_delay=0.001, max_delay=0.01)
    transport = ExpireAfterFirst503(app=fake.app)
    async with zc.ZohoCRM(fake.config(), transport=transport, retry=retry) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        fake.stats.reset()
        assert (await crm.org.get()).zgid
    assert fake.stats.token_mints == 1  # the retried GET met 401, refreshed, and was replayed


async def test_the_total_deadline_stops_retrying(fake: FakeZohoCRM) -> None:
    retry = zc.RetryPolicy(max_retries=10, initial_delay=0.001, deadline=0.2)
    async with zc.ZohoCRM(fake.config(), transport=fake.transport(), retry=retry) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        fake.stats.reset()
        fake.fail_next(429, retry_after=0.15, times=10)
        with pytest.raises(zc.RateLimitError):
            await crm.org.get()
    assert fake.stats.api_requests == 2  # a second 0.15 s wait would pass the 0.2 s deadline


async def test_requests_are_logged_at_debug_without_secrets(
    crm: zc.ZohoCRM, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="zcrm_async"):
        await crm.org.get()
    tokens = crm.tokens._cache[crm.user_email or ""]
    assert "GET http://fake-zoho.test/crm/v8/org -> 200" in caplog.text
    assert tokens.access_token not in caplog.text

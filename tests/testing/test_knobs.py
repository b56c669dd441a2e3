"""Latency, the concurrency limit, injected faults and the counters."""

from __future__ import annotations

import time

import anyio
import httpx
import pytest

from zcrm_async.testing import FakeZohoCRM

from .conftest import Api

pytestmark = pytest.mark.anyio


async def test_latency_delays_api_requests_only(fake: FakeZohoCRM, api: Api) -> None:
    fake.latency = 0.2
    start = time.monotonic()
    assert (await api.get("/org")).status_code == 200
    assert time.monotonic() - start >= 0.2
    start = time.monotonic()
    await api.http.post("/oauth/v2/token/revoke", params={"token": "x"})
    assert time.monotonic() - start < 0.2


async def test_concurrency_limit_gives_429(fake: FakeZohoCRM, api: Api) -> None:
    fake.max_concurrency = 2
    fake.latency = 0.2
    statuses: list[int] = []

    async def call() -> None:
        statuses.append((await api.get("/org")).status_code)

    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(call)
    assert sorted(statuses) == [200, 200, 429, 429, 429]
    assert fake.stats.max_in_flight == 2
    assert fake.stats.in_flight == 0
    fake.max_concurrency = None
    answer = await api.get("/org")
    assert answer.status_code == 200


async def test_concurrency_429_envelope(fake: FakeZohoCRM, api: Api) -> None:
    fake.max_concurrency = 0
    response = await api.get("/org")
    assert response.status_code == 429
    assert response.json()["code"] == "TOO_MANY_REQUESTS"
    assert response.json()["status"] == "error"


async def test_fail_next(fake: FakeZohoCRM, api: Api) -> None:
    fake.fail_next(503, times=2, retry_after=1.5)
    first = await api.get("/org")
    assert first.status_code == 503 and first.headers["Retry-After"] == "1.5"
    assert first.json()["status"] == "error"
    assert (await api.get("/org")).status_code == 503
    assert (await api.get("/org")).status_code == 200

    fake.fail_next(429, retry_after=2)
    limited = await api.get("/org")
    assert limited.json()["code"] == "TOO_MANY_REQUESTS"
    assert limited.headers["Retry-After"] == "2"

    fake.fail_next(500)
    assert (await api.get("/org")).json() == {
        "code": "INTERNAL_ERROR",
        "details": {},
        "message": "Internal server error occurred.",
        "status": "error",
    }
    fake.fail_next(401)
    assert (await api.get("/org")).json()["code"] == "INVALID_TOKEN"


async def test_fail_next_filters_path_and_method(fake: FakeZohoCRM, api: Api) -> None:
    fake.fail_next(500, code="CUSTOM", message="boom", path="/Leads", method="POST")
    assert (await api.get("/org")).status_code == 200
    assert (await api.get("/Leads", params={"fields": "Email"})).status_code == 204
    failed = await api.post("/Leads", json={"data": [{"Last_Name": "x"}]})
    assert (failed.status_code, failed.json()["code"], failed.json()["message"]) == (
        500,
        "CUSTOM",
        "boom",
    )
    assert (await api.post("/Leads", json={"data": [{"Last_Name": "x"}]})).status_code == 201


async def test_drop_next_in_process(fake: FakeZohoCRM, api: Api) -> None:
    fake.drop_next()
    with pytest.raises(httpx.RemoteProtocolError, match="connection dropped"):
        await api.get("/org")
    assert (await api.get("/org")).status_code == 200


async def test_slow_next(fake: FakeZohoCRM, api: Api) -> None:
    fake.slow_next(0.2, path="/org")
    start = time.monotonic()
    await api.get("/users")
    assert time.monotonic() - start < 0.2
    await api.get("/org")
    assert time.monotonic() - start >= 0.2


async def test_malformed_next(fake: FakeZohoCRM, api: Api) -> None:
    fake.malformed_next()
    response = await api.get("/org")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    with pytest.raises(ValueError):
        response.json()


async def test_stats(fake: FakeZohoCRM, api: Api) -> None:
    await api.get("/org")
    await api.get("/Leads/5725767000000999999")
    await api.get("/Contacts/5725767000000999999")
    await api.http.get("/nowhere")
    stats = fake.stats
    assert (stats.requests, stats.api_requests, stats.token_mints) == (4, 3, 0)
    assert stats.by_route["GET /crm/{version}/{module}/{id}"] == 2
    assert stats.by_route["GET /crm/{version}/org"] == 1
    stats.reset()
    assert (stats.requests, stats.api_requests, sum(stats.by_route.values())) == (0, 0, 0)

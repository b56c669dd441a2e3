"""The auth flow over a real socket (uvicorn on 127.0.0.1): MockTransport hides body-replay bugs."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import anyio
import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

pytestmark = [pytest.mark.anyio, pytest.mark.socket]


@pytest.fixture(scope="module")
def served() -> Iterator[FakeZohoCRM]:
    fake = FakeZohoCRM()
    with fake.serve_in_thread():
        yield fake


def retry() -> zc.RetryPolicy:
    return zc.RetryPolicy(max_retries=3, initial_delay=0.001, max_delay=0.01)


async def test_grant_refresh_and_replayed_posts_over_the_wire(served: FakeZohoCRM) -> None:
    assert served.base_url.startswith("http://127.0.0.1:")
    async with zc.ZohoCRM(served.config(max_concurrency=20), retry=retry()) as crm:
        tokens = await crm.oauth.generate_access_token(served.issue_grant_code())
        assert tokens.api_domain == served.base_url
        assert (await crm.users.current()).email == served.user_email

        served.stats.reset()
        served.expire_access_tokens()  # every in-flight request below gets 401 first
        results: list[zc.BulkResult] = []
        run = uuid.uuid4().hex[:8]  # the served fake is shared by this module's tests

        async def create(n: int) -> None:
            results.append(await crm.records("Contacts").create([{"Last_Name": f"Wire {run} {n}"}]))

        async with anyio.create_task_group() as group:
            for n in range(50):
                group.start_soon(create, n)
    assert served.stats.token_mints == 1
    assert all(r[0].ok for r in results)
    names = sorted(
        r["Last_Name"] for r in served.records("Contacts").values() if run in r["Last_Name"]
    )
    assert names == sorted(f"Wire {run} {n}" for n in range(50))  # each body replayed intact, once


async def test_expired_token_storm_over_the_wire_mints_once(served: FakeZohoCRM) -> None:
    async with zc.ZohoCRM(served.config(max_concurrency=50), retry=retry()) as crm:
        await crm.oauth.generate_access_token(served.issue_grant_code())
        cached = crm.tokens._cache[served.user_email]
        cached.expiry_time = 0  # the client itself sees the token as expired
        await crm.store.save(cached)
        served.stats.reset()
        async with anyio.create_task_group() as group:
            for _ in range(300):
                group.start_soon(crm.org.get)
    assert served.stats.token_mints == 1
    assert served.stats.api_requests == 300


async def test_a_dropped_connection_is_a_transport_error_or_retried(served: FakeZohoCRM) -> None:
    async with zc.ZohoCRM(served.config(), retry=retry()) as crm:
        await crm.oauth.generate_access_token(served.issue_grant_code())
        served.drop_next()
        assert (await crm.org.get()).zgid  # GET: retried on a fresh connection
        served.drop_next(method="POST")
        with pytest.raises(zc.TransportError):
            await crm.request("POST", "Leads", json={"data": [{"Last_Name": "Maybe"}]})

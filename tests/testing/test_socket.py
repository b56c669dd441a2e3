"""The fake on a real socket (uvicorn in a thread)."""

from __future__ import annotations

import httpx
import pytest

from zcrm_async.testing import FakeZohoCRM

from .conftest import exchange_code

pytestmark = [pytest.mark.anyio, pytest.mark.socket]


async def test_grant_and_get_over_the_network() -> None:
    fake = FakeZohoCRM()
    with fake.serve_in_thread() as url:
        assert url.startswith("http://127.0.0.1:")
        async with httpx.AsyncClient(base_url=url) as http:
            tokens = await exchange_code(http, fake, fake.issue_grant_code())
            assert tokens["api_domain"] == url
            headers = {"Authorization": f"Zoho-oauthtoken {tokens['access_token']}"}
            created = await http.post(
                f"{tokens['api_domain']}/crm/v8/Leads",
                json={"data": [{"Last_Name": "Wire"}]},
                headers=headers,
            )
            assert created.status_code == 201
            listed = await http.get(
                "/crm/v8/Leads", params={"fields": "Last_Name"}, headers=headers
            )
            assert listed.json()["data"][0]["Last_Name"] == "Wire"
    assert fake.base_url == "http://fake-zoho.test"
    assert fake.stats.token_mints == 1


async def test_drop_next_breaks_the_connection() -> None:
    fake = FakeZohoCRM()
    headers = {"Authorization": f"Zoho-oauthtoken {fake.issue_tokens()['access_token']}"}
    with fake.serve_in_thread() as url:
        async with httpx.AsyncClient(base_url=url) as http:
            fake.drop_next(path="/org")
            with pytest.raises(httpx.TransportError):
                await http.get("/crm/v8/org", headers=headers)
            assert (await http.get("/crm/v8/org", headers=headers)).status_code == 200

"""The control endpoints under ``/__fake__/``: no token, never counted as API traffic."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from zcrm_async.testing import FakeZohoCRM

from .conftest import Api, exchange_code

pytestmark = pytest.mark.anyio


def _auth(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Zoho-oauthtoken {tokens['access_token']}"}


async def test_the_index_lists_every_endpoint(http: httpx.AsyncClient) -> None:
    answer = await http.get("/__fake__")
    listed = "\n".join(answer.json()["endpoints"])
    for path in ("/grant-codes", "/tokens", "/tokens/expire", "/knobs", "/faults", "/stats"):
        assert f"/__fake__{path}" in listed
    assert "/__fake__/records/{module}" in listed and "/__fake__/reset" in listed


async def test_a_grant_code_for_another_user_works_once(
    fake: FakeZohoCRM, http: httpx.AsyncClient
) -> None:
    made = await http.post("/__fake__/grant-codes", json={"user_email": "ops@example.com"})
    assert made.status_code == 201 and made.json()["user_email"] == "ops@example.com"
    tokens = await exchange_code(http, fake, made.json()["code"])
    me = await http.get("/crm/v8/users", params={"type": "CurrentUser"}, headers=_auth(tokens))
    assert me.json()["users"][0]["email"] == "ops@example.com"
    again = await exchange_code(http, fake, made.json()["code"])
    assert again == {"error": "invalid_code"}


async def test_grant_code_scopes_are_the_ones_asked_for(
    fake: FakeZohoCRM, http: httpx.AsyncClient
) -> None:
    made = await http.post("/__fake__/grant-codes", json={"scopes": ["ZohoCRM.users.READ"]})
    tokens = await exchange_code(http, fake, made.json()["code"])
    refused = await http.get("/crm/v8/org", headers=_auth(tokens))
    assert refused.json()["code"] == "OAUTH_SCOPE_MISMATCH"


async def test_tokens_for_a_user_and_their_expiry(
    fake: FakeZohoCRM, http: httpx.AsyncClient
) -> None:
    made = await http.post("/__fake__/tokens", json={"user_email": "bot@example.com"})
    tokens = made.json()
    assert made.status_code == 201 and tokens["refresh_token"].startswith("1000.")
    assert (await http.get("/crm/v8/org", headers=_auth(tokens))).status_code == 200
    expired = await http.post("/__fake__/tokens/expire")
    assert expired.json() == {"expired": 1}
    refused = await http.get("/crm/v8/org", headers=_auth(tokens))
    assert (refused.status_code, refused.json()["code"]) == (401, "INVALID_TOKEN")
    refreshed = await http.post(
        "/oauth/v2/token",
        data={
            "grant_type": "refresh_token",
            "client_id": fake.client_id,
            "client_secret": fake.client_secret,
            "refresh_token": tokens["refresh_token"],
        },
    )
    assert (await http.get("/crm/v8/org", headers=_auth(refreshed.json()))).status_code == 200


async def test_knobs_read_and_change_together(fake: FakeZohoCRM, http: httpx.AsyncClient) -> None:
    before = (await http.get("/__fake__/knobs")).json()
    assert before == {
        "latency": 0.0,
        "max_concurrency": None,
        "heavy_max_concurrency": None,
        "fail_429_rate": 0.0,
        "credit_allowance": None,
        "credits_header_from": 0.5,
        "token_lifetime": 3600.0,
    }
    changed = await http.patch(
        "/__fake__/knobs", json={"latency": 0.05, "max_concurrency": 3, "token_lifetime": 60}
    )
    assert changed.json()["latency"] == 0.05 and changed.json()["token_lifetime"] == 60
    assert (fake.latency, fake.max_concurrency, fake.token_lifetime) == (0.05, 3, 60)
    tokens = fake.issue_tokens()
    assert tokens["expires_in"] == 60


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"latency": -1}, "latency"),
        ({"fail_429_rate": 2}, "fail_429_rate"),
        ({"credit_allowance": 2.5}, "credit_allowance"),
        ({"token_lifetime": 0}, "token_lifetime"),
        ({"colour": "blue"}, "colour"),
    ],
)
async def test_a_bad_knob_is_refused_by_name_and_changes_nothing(
    fake: FakeZohoCRM, http: httpx.AsyncClient, body: dict[str, Any], named: str
) -> None:
    answer = await http.patch("/__fake__/knobs", json={"max_concurrency": 7, **body})
    assert answer.status_code == 400 and named in answer.json()["error"]
    assert fake.max_concurrency is None


async def test_latency_knob_delays_api_calls(http: httpx.AsyncClient, api: Api) -> None:
    await http.patch("/__fake__/knobs", json={"latency": 0.2})
    start = time.monotonic()
    await api.get("/org")
    assert time.monotonic() - start >= 0.2


async def test_faults_over_http(http: httpx.AsyncClient, api: Api) -> None:
    added = await http.post(
        "/__fake__/faults",
        json={"status": 503, "times": 2, "path": "/org", "retry_after": 3, "code": "DOWN"},
    )
    assert added.status_code == 201
    assert (await api.get("/users")).status_code == 200
    first = await api.get("/org")
    assert (first.status_code, first.json()["code"], first.headers["Retry-After"]) == (
        503,
        "DOWN",
        "3",
    )
    await http.delete("/__fake__/faults")
    assert (await api.get("/org")).status_code == 200
    bad = await http.post("/__fake__/faults", json={"kind": "explode"})
    assert bad.status_code == 400 and "explode" in bad.json()["error"]


async def test_seeded_records_are_listed_by_the_api(http: httpx.AsyncClient, api: Api) -> None:
    seeded = await http.post("/__fake__/records/Deals", json={"count": 3})
    assert seeded.status_code == 201 and len(seeded.json()["ids"]) == 3
    listed = await api.get("/Deals", params={"fields": "Deal_Name,Stage,Closing_Date"})
    deals = listed.json()["data"]
    assert {d["id"] for d in deals} == set(seeded.json()["ids"])
    assert all(d["Deal_Name"] and d["Stage"] and d["Closing_Date"] for d in deals)
    given = await http.post("/__fake__/records/Leads", json={"records": [{"Last_Name": "Given"}]})
    [lead_id] = given.json()["ids"]
    stored = (await http.get("/__fake__/records/Leads")).json()
    assert stored["count"] == 1 and stored["records"][0]["id"] == lead_id


@pytest.mark.parametrize(
    ("path", "body", "named"),
    [
        ("/__fake__/records/Leads", {"records": [{"Email": "x@example.com"}]}, "Last_Name"),
        ("/__fake__/records/Nope", {"count": 1}, "Nope"),
        ("/__fake__/records/Leads", {"count": "many"}, "count"),
        ("/__fake__/records/Leads", {"rows": []}, "records"),
    ],
)
async def test_bad_seeds_say_what_is_wrong(
    http: httpx.AsyncClient, path: str, body: dict[str, Any], named: str
) -> None:
    answer = await http.post(path, json=body)
    assert answer.status_code == 400 and named in answer.json()["error"]


async def test_control_calls_are_not_api_traffic(
    fake: FakeZohoCRM, http: httpx.AsyncClient, api: Api
) -> None:
    await api.get("/org")
    for _ in range(3):
        await http.get("/__fake__/stats")
    await http.post("/__fake__/records/Leads", json={"count": 2})
    stats = (await http.get("/__fake__/stats")).json()
    assert (stats["requests"], stats["api_requests"]) == (1, 1)
    assert stats["by_route"] == {"GET /crm/{version}/org": 1}
    assert (await http.delete("/__fake__/stats")).status_code == 204
    assert fake.stats.api_requests == 0


async def test_reset_forgets_data_and_tokens_and_restores_the_knobs() -> None:
    fake = FakeZohoCRM(latency=0.01)
    async with httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as client:
        tokens = fake.issue_tokens()
        fake.seed("Leads", 4)
        fake.fail_next(500)
        await client.patch("/__fake__/knobs", json={"latency": 0.5, "token_lifetime": 5})
        assert (await client.post("/__fake__/reset")).status_code == 204
        assert fake.records("Leads") == {}
        assert (fake.latency, fake.token_lifetime) == (0.01, 3600.0)
        refused = await client.get("/crm/v8/org", headers=_auth(tokens))
        assert refused.json()["code"] == "INVALID_TOKEN"  # no fault left: the token is gone
        fresh = fake.issue_tokens()
        assert (await client.get("/crm/v8/org", headers=_auth(fresh))).status_code == 200
        assert fake.stats.api_requests == 2


async def test_control_answers_a_non_object_body_with_400(http: httpx.AsyncClient) -> None:
    answer = await http.post("/__fake__/tokens", content=b"[1, 2]")
    assert answer.status_code == 400 and "JSON object" in answer.json()["error"]

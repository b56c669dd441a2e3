"""The org's API-credit allowance: charged at Zoho's prices over a rolling 24 hours."""

from __future__ import annotations

import httpx
import pytest

from tests._served import served_fake
from zcrm_async.testing import FakeZohoCRM, edition_allowance
from zcrm_async.testing._credits import CREDIT_WINDOW, CreditLedger

from .conftest import Api, FakeClock, leads

pytestmark = pytest.mark.anyio

HEADER = "X-API-CREDITS-REMAINING"


async def test_no_allowance_counts_but_never_refuses_nor_tells(fake: FakeZohoCRM, api: Api) -> None:
    for _ in range(5):
        answer = await api.get("/org")
        assert answer.status_code == 200 and HEADER not in answer.headers
    credits = fake.credits
    assert (credits.allowance, credits.spent, credits.remaining) == (None, 5, None)


async def test_calls_cost_zohos_prices(fake: FakeZohoCRM, api: Api) -> None:
    fake.credit_allowance = 1000
    assert (await api.post("/Leads", json={"data": leads(25)})).status_code == 201
    assert fake.credits.spent == 3  # 1 credit per 10 records
    lead = fake.seed("Leads", 1)[0]
    converted = await api.post(f"/Leads/{lead}/actions/convert", json={"data": [{}]})
    assert converted.status_code == 200, converted.text
    assert fake.credits.spent == 3 + 5
    await api.post("/coql", json={"select_query": "select Last_Name from Leads limit 2000"})
    assert fake.credits.spent == 3 + 5 + 3


async def test_the_header_from_half_the_allowance(fake: FakeZohoCRM, api: Api) -> None:
    fake.credit_allowance = 10
    seen = [(await api.get("/org")).headers.get(HEADER) for _ in range(10)]
    assert seen == [None, None, None, None, "5", "4", "3", "2", "1", "0"]


async def test_the_header_share_is_a_knob(fake: FakeZohoCRM, api: Api) -> None:
    fake.credit_allowance = 10
    fake.credits_header_from = 0
    assert (await api.get("/org")).headers[HEADER] == "9"
    fake.credits_header_from = None
    for _ in range(9):
        assert HEADER not in (await api.get("/org")).headers
    refused = await api.get("/org")
    assert refused.status_code == 429 and HEADER not in refused.headers
    with pytest.raises(ValueError, match="credits_header_from"):
        fake.credits_header_from = 1.5
    with pytest.raises(ValueError, match="credit_allowance"):
        fake.credit_allowance = -1


async def test_spent_allowance_answers_429_and_refusals_are_free(
    fake: FakeZohoCRM, api: Api, clock: FakeClock
) -> None:
    fake.credit_allowance = 3
    for _ in range(3):
        assert (await api.get("/org")).status_code == 200
    fake.stats.reset()
    for _ in range(4):
        refused = await api.get("/org")
        assert refused.status_code == 429 and refused.headers[HEADER] == "0"
        assert refused.json()["code"] == "TOO_MANY_REQUESTS"
        assert refused.json()["status"] == "error" and refused.json()["details"] == {}
        assert "Retry-After" not in refused.headers
    assert fake.stats.throttled == 4 and fake.stats.by_route == {}  # refused before any work
    assert fake.credits.spent == 3 and fake.credits.frees_in == CREDIT_WINDOW


async def test_a_call_costing_more_than_remains_is_refused(fake: FakeZohoCRM, api: Api) -> None:
    fake.credit_allowance = 6
    lead = fake.seed("Leads", 1)[0]
    for _ in range(3):
        await api.get("/org")
    refused = await api.post(f"/Leads/{lead}/actions/convert", json={"data": [{}]})
    assert (refused.status_code, refused.headers[HEADER]) == (429, "3")
    assert (await api.get("/org")).status_code == 200
    assert fake.credits.spent == 4


async def test_the_window_rolls(fake: FakeZohoCRM, api: Api, clock: FakeClock) -> None:
    fake.credit_allowance = 4
    await api.get("/org")
    await api.get("/org")
    clock.advance(3600)
    api.auth = {"Authorization": f"Zoho-oauthtoken {fake.issue_tokens()['access_token']}"}
    await api.get("/org")
    await api.get("/org")
    assert (await api.get("/org")).status_code == 429
    assert fake.credits.frees_in == CREDIT_WINDOW - 3600
    clock.advance(CREDIT_WINDOW - 3600)  # the first two are back, not the later two
    assert fake.credits.spent == 2
    api.auth = {"Authorization": f"Zoho-oauthtoken {fake.issue_tokens()['access_token']}"}
    assert (await api.get("/org")).status_code == 200
    assert (await api.get("/org")).status_code == 200
    assert (await api.get("/org")).status_code == 429


async def test_answers_zoho_refuses_before_work_cost_nothing(fake: FakeZohoCRM, api: Api) -> None:
    fake.credit_allowance = 100
    fake.fail_next(429)
    fake.fail_next(401)
    assert (await api.get("/org")).status_code == 429
    assert (await api.get("/org")).status_code == 401
    unknown_token = {"Authorization": "Zoho-oauthtoken x"}
    assert (await api.get("/org", headers=unknown_token)).status_code == 401
    fake.fail_next(500)
    assert (await api.get("/org")).status_code == 500
    assert fake.credits.spent == 1


async def test_concurrency_429s_tell_the_credits_left(fake: FakeZohoCRM, api: Api) -> None:
    fake.credit_allowance = 10
    fake.credits_header_from = 0
    fake.max_concurrency = 0
    throttled = await api.get("/org")
    assert (throttled.status_code, throttled.headers[HEADER]) == (429, "10")
    assert fake.credits.spent == 0


async def test_reset_credits_and_reset(fake: FakeZohoCRM, api: Api) -> None:
    fake.credit_allowance = 2
    await api.get("/org")
    await api.get("/org")
    assert (await api.get("/org")).status_code == 429
    fake.reset_credits()
    assert fake.credits.spent == 0 and fake.credit_allowance == 2
    assert (await api.get("/org")).status_code == 200
    fake.reset()
    assert fake.credit_allowance is None and fake.credits.spent == 0


async def test_control_endpoints(fake: FakeZohoCRM, api: Api, http: httpx.AsyncClient) -> None:
    changed = await http.patch("/__fake__/knobs", json={"credit_allowance": 5})
    assert changed.json()["credit_allowance"] == 5 and changed.json()["credits_header_from"] == 0.5
    await api.get("/org")
    read = (await http.get("/__fake__/credits")).json()
    assert read == {
        "allowance": 5,
        "spent": 1,
        "remaining": 4,
        "frees_in": CREDIT_WINDOW,
        "window": CREDIT_WINDOW,
    }
    assert (await http.delete("/__fake__/credits")).status_code == 204
    assert (await http.get("/__fake__/credits")).json()["spent"] == 0
    bad = await http.patch("/__fake__/knobs", json={"credits_header_from": "half"})
    assert bad.status_code == 400 and "credits_header_from" in bad.json()["error"]
    listed = "\n".join((await http.get("/__fake__")).json()["endpoints"])
    assert "GET DELETE /__fake__/credits" in listed


def test_a_charge_given_back_after_its_bucket_left_gives_nothing() -> None:
    ledger = CreditLedger(window=10.0)
    first = ledger.charge(2, 0.5, None)
    ledger.charge(1, 0.9, None)  # the same second: one bucket, freed 10 s after 0.9
    assert first is not None and ledger.spent(10.6) == 3
    assert ledger.spent(10.9) == 0
    ledger.charge(1, 11.0, None)
    ledger.refund(first)
    assert ledger.spent(11.0) == 1


def test_edition_allowances() -> None:
    assert edition_allowance("free") == 5_000
    assert edition_allowance("Professional", users=10) == 55_000
    assert edition_allowance("ultimate", users=3, add_ons=1_000) == 57_000
    with pytest.raises(ValueError, match="unknown edition 'gold'"):
        edition_allowance("gold")


@pytest.mark.socket
def test_served_with_an_allowance() -> None:
    options = ("--credit-allowance=4", "--credits-header-from=0.75")
    with served_fake(*options) as served, httpx.Client(base_url=served.url, timeout=30) as http:
        knobs = http.get("/__fake__/knobs").json()
        assert (knobs["credit_allowance"], knobs["credits_header_from"]) == (4, 0.75)
        tokens = http.post("/__fake__/tokens", json={}).json()
        auth = {"Authorization": f"Zoho-oauthtoken {tokens['access_token']}"}
        seen = [http.get("/crm/v8/org", headers=auth) for _ in range(5)]
        assert [a.status_code for a in seen] == [200, 200, 200, 200, 429]
        assert [a.headers.get(HEADER) for a in seen] == [None, None, "1", "0", "0"]
        assert http.get("/__fake__/credits").json()["spent"] == 4

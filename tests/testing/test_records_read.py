"""GET one record and list pagination: page, page_token, the 2,000 and 100,000 limits."""

from __future__ import annotations

from typing import Any

import pytest

from zcrm_async.testing import FakeZohoCRM

from .conftest import Api, leads

pytestmark = pytest.mark.anyio


async def test_get_one(fake: FakeZohoCRM, api: Api) -> None:
    [lead_id] = fake.add_records("Leads", leads(1))
    response = await api.get(f"/Leads/{lead_id}")
    assert response.status_code == 200
    [record] = response.json()["data"]
    assert record["id"] == lead_id and record["Last_Name"] == "Lead00000"
    assert record["First_Name"] is None  # empty fields are null


async def test_get_unknown_id_is_204(api: Api) -> None:
    response = await api.get("/Leads/5725767000000999999")
    assert (response.status_code, response.content) == (204, b"")


async def test_empty_list_is_204(api: Api) -> None:
    response = await api.get("/Leads", params={"fields": "Last_Name"})
    assert (response.status_code, response.content) == (204, b"")


async def test_fields_mandatory_from_v3(fake: FakeZohoCRM, api: Api) -> None:
    fake.add_records("Leads", leads(1))
    missing = await api.get("/Leads")
    assert missing.status_code == 400
    assert missing.json() == {
        "code": "REQUIRED_PARAM_MISSING",
        "details": {"param": "fields"},
        "message": "One of the expected parameter is missing",
        "status": "error",
    }
    too_many = ",".join(["Last_Name"] * 51)
    assert (await api.get("/Leads", params={"fields": too_many})).json()["code"] == "LIMIT_EXCEEDED"
    v2 = await api.at("v2").get("/Leads")
    assert v2.status_code == 200
    assert {"id", "Last_Name", "Email", "Owner"} <= set(v2.json()["data"][0])


async def test_list_returns_requested_fields_and_id(fake: FakeZohoCRM, api: Api) -> None:
    fake.add_records("Leads", leads(3))
    body = (await api.get("/Leads", params={"fields": "Email"})).json()
    assert [set(r) for r in body["data"]] == [{"id", "Email"}] * 3
    assert body["info"] == {
        "per_page": 200,
        "count": 3,
        "page": 1,
        "sort_by": "id",
        "sort_order": "desc",
        "more_records": False,
        "next_page_token": None,
        "previous_page_token": None,
        "page_token_expiry": None,
    }
    names = [r["Email"] for r in body["data"]]
    assert names == ["lead2@example.com", "lead1@example.com", "lead0@example.com"]
    asc = await api.get("/Leads", params={"fields": "Email", "sort_order": "asc"})
    assert [r["Email"] for r in asc.json()["data"]] == names[::-1]


async def test_ids_filter_and_cvid_sort_ambiguity(fake: FakeZohoCRM, api: Api) -> None:
    ids = fake.add_records("Leads", leads(3))
    picked = await api.get("/Leads", params={"fields": "Email", "ids": f"{ids[0]},{ids[2]}"})
    assert {r["id"] for r in picked.json()["data"]} == {ids[0], ids[2]}
    both = await api.get("/Leads", params={"fields": "Email", "cvid": "1", "sort_by": "id"})
    assert both.json()["code"] == "AMBIGUITY_DURING_PROCESSING"
    bad_sort = await api.get("/Leads", params={"fields": "Email", "sort_by": "Email"})
    assert bad_sort.status_code == 400


async def test_if_modified_since(fake: FakeZohoCRM, api: Api) -> None:
    fake.add_records("Leads", leads(2))
    params = {"fields": "Email"}
    future = await api.get(
        "/Leads", params=params, headers={"If-Modified-Since": "2999-01-01T00:00:00+00:00"}
    )
    assert (future.status_code, future.content) == (304, b"")
    past = await api.get(
        "/Leads", params=params, headers={"If-Modified-Since": "2000-01-01T00:00:00+05:30"}
    )
    assert past.json()["info"]["count"] == 2


async def walk_by_token(api: Api, params: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    """Pages 1..n by page, then by page_token, the way a client should."""
    seen: list[str] = []
    infos: list[dict[str, Any]] = []
    query: dict[str, Any] = {**params, "page": 1}
    while True:
        response = await api.get("/Leads", params=query)
        body = response.json()
        seen += [r["id"] for r in body["data"]]
        infos.append(body["info"])
        if not body["info"]["more_records"]:
            return seen, infos
        query = {**params, "page_token": body["info"]["next_page_token"]}


async def test_v8_pagination_past_2000_needs_page_token(fake: FakeZohoCRM, api: Api) -> None:
    ids = fake.add_records("Leads", leads(2050))
    params = {"fields": "Last_Name", "per_page": 200}
    page10 = await api.get("/Leads", params={**params, "page": 10})
    assert page10.status_code == 200
    assert page10.json()["info"]["more_records"] is True
    assert page10.json()["info"]["page_token_expiry"]
    page11 = await api.get("/Leads", params={**params, "page": 11})
    assert page11.status_code == 400
    assert page11.json()["code"] == "DISCRETE_PAGINATION_LIMIT_EXCEEDED"

    token = page10.json()["info"]["next_page_token"]
    rest = await api.get("/Leads", params={**params, "page_token": token})
    assert rest.status_code == 200
    assert rest.json()["info"]["count"] == 50 and rest.json()["info"]["more_records"] is False
    assert rest.json()["data"][-1]["id"] == ids[0]  # desc by id: the first inserted comes last

    seen, _ = await walk_by_token(api, params)
    assert sorted(seen) == sorted(ids)


async def test_previous_page_token_leads_back_one_page(fake: FakeZohoCRM, api: Api) -> None:
    fake.add_records("Leads", leads(2250))
    params = {"fields": "Last_Name", "per_page": 200}
    first = (await api.get("/Leads", params={**params, "page": 1})).json()["info"]
    assert first["previous_page_token"] is None  # nothing before the first page
    page10 = (await api.get("/Leads", params={**params, "page": 10})).json()
    after = await api.get(
        "/Leads", params={**params, "page_token": page10["info"]["next_page_token"]}
    )
    back = after.json()["info"]["previous_page_token"]
    assert isinstance(back, str) and back
    again = await api.get("/Leads", params={**params, "page_token": back})
    assert [r["id"] for r in again.json()["data"]] == [r["id"] for r in page10["data"]]


async def test_page_token_rules(fake: FakeZohoCRM, api: Api) -> None:
    fake.add_records("Leads", leads(5))
    params = {"fields": "Last_Name", "per_page": 2}
    token = (await api.get("/Leads", params=params)).json()["info"]["next_page_token"]
    assert token
    with_page = await api.get("/Leads", params={**params, "page_token": token, "page": 2})
    assert with_page.status_code == 400
    other = await api.get("/Leads", params={"fields": "Email", "per_page": 2, "page_token": token})
    assert other.json()["code"] == "TOKEN_BOUND_DATA_MISMATCH"
    unknown = await api.get("/Leads", params={**params, "page_token": "nope"})
    assert unknown.status_code == 400


async def test_pagination_ceiling(fake: FakeZohoCRM, api: Api) -> None:
    fake.limits.max_records_by_page = 4
    fake.limits.max_records_by_token = 6
    fake.add_records("Leads", leads(9))
    params = {"fields": "Last_Name", "per_page": 2}
    seen: list[str] = []
    query: dict[str, Any] = dict(params)
    for _ in range(3):
        body = (await api.get("/Leads", params=query)).json()
        seen += [r["id"] for r in body["data"]]
        query = {**params, "page_token": body["info"]["next_page_token"]}
    assert len(seen) == 6
    over = await api.get("/Leads", params=query)
    assert over.json()["code"] == "PAGINATION_LIMIT_EXCEEDED"


async def test_v2_pages_without_tokens_or_cap(fake: FakeZohoCRM, api: Api) -> None:
    fake.limits.max_records_by_page = 4  # v3+ only
    ids = fake.add_records("Leads", leads(7))
    v2 = api.at("v2")
    seen: list[str] = []
    for page in (1, 2, 3, 4):
        body = (await v2.get("/Leads", params={"per_page": 2, "page": page})).json()
        assert set(body["info"]) == {"per_page", "count", "page", "more_records"}
        seen += [r["id"] for r in body["data"]]
    assert sorted(seen) == sorted(ids) and body["info"]["more_records"] is False


async def test_per_page_is_capped_at_200(fake: FakeZohoCRM, api: Api) -> None:
    fake.add_records("Leads", leads(201))
    body = (await api.get("/Leads", params={"fields": "Email", "per_page": 500})).json()
    assert body["info"]["per_page"] == 200 and body["info"]["count"] == 200

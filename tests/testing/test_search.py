"""Search (criteria grammar, escaping, email/phone/word), count and deleted records."""

from __future__ import annotations

import pytest

from zcrm_async.testing import FakeZohoCRM

from .conftest import Api

pytestmark = pytest.mark.anyio


@pytest.fixture
def people(fake: FakeZohoCRM) -> list[str]:
    return fake.add_records(
        "Leads",
        [
            {"Last_Name": "Smith", "Company": "Burns,B (Ltd)", "No_of_Employees": 10},
            {"Last_Name": "Smithers", "Email": "w.smithers@example.com", "No_of_Employees": 50},
            {"Last_Name": "Jones", "Phone": "+1 (555) 010-2000", "No_of_Employees": 200},
        ],
    )


async def search(api: Api, **params: str) -> list[str]:
    response = await api.get("/Leads/search", params=params)
    if response.status_code == 204:
        return []
    assert response.status_code == 200, response.text
    return [r["Last_Name"] for r in response.json()["data"]]


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ("(Last_Name:equals:Smith)", ["Smith"]),
        ("(Last_Name:equals:smith)", ["Smith"]),
        ("(Last_Name:starts_with:Smi)", ["Smith", "Smithers"]),
        ("(Last_Name:not_equal:Smith)", ["Smithers", "Jones"]),
        ("(Last_Name:in:Jones,Smith)", ["Smith", "Jones"]),
        ("(No_of_Employees:greater_than:10)", ["Smithers", "Jones"]),
        ("(No_of_Employees:less_equal:50)", ["Smith", "Smithers"]),
        ("(No_of_Employees:between:20,300)", ["Smithers", "Jones"]),
        ("((Last_Name:starts_with:Smi)and(No_of_Employees:greater_equal:50))", ["Smithers"]),
        ("((Last_Name:equals:Jones)or(Last_Name:equals:Smith))", ["Smith", "Jones"]),
        (r"(Company:equals:Burns\,B \(Ltd\))", ["Smith"]),
        (r"(Company:in:Burns\,B \(Ltd\),Other)", ["Smith"]),
        ("(Last_Name:equals:Nobody)", []),
    ],
)
async def test_criteria(api: Api, criteria: str, expected: list[str]) -> None:
    assert await search(api, criteria=criteria) == expected


@pytest.mark.usefixtures("people")
async def test_email_phone_word(api: Api) -> None:
    assert await search(api, email="W.Smithers@example.com") == ["Smithers"]
    assert await search(api, phone="+15550102000") == ["Jones"]
    assert await search(api, word="smith") == ["Smith", "Smithers"]
    assert await search(api, criteria="(Last_Name:equals:Jones)", word="smith") == ["Jones"]


@pytest.mark.usefixtures("people")
async def test_search_errors(api: Api) -> None:
    none = await api.get("/Leads/search")
    assert (none.status_code, none.json()["code"]) == (400, "EXPECTED_PARAM_MISSING")
    eleven = "(" + "and".join(["(Last_Name:equals:x)"] * 11) + ")"
    assert (await api.get("/Leads/search", params={"criteria": eleven})).status_code == 400
    ten = "(" + "or".join(["(Last_Name:equals:Jones)"] * 10) + ")"
    assert await search(api, criteria=ten) == ["Jones"]
    for bad in ("Last_Name:equals:x", "(Nope:equals:x)", "(Last_Name:like:x)", "((a:equals:b)"):
        response = await api.get("/Leads/search", params={"criteria": bad})
        assert (response.status_code, response.json()["code"]) == (400, "INVALID_QUERY")
    v2 = await api.at("v2").get(
        "/Leads/search", params={"criteria": "(No_of_Employees:between:1,2)"}
    )
    assert v2.status_code == 400


async def test_search_paging_and_limit(fake: FakeZohoCRM, api: Api) -> None:
    fake.add_records("Leads", [{"Last_Name": f"Same{i}"} for i in range(5)])
    params = {"criteria": "(Last_Name:starts_with:Same)", "per_page": "2", "page": "3"}
    body = (await api.get("/Leads/search", params=params)).json()
    assert body["info"] == {"per_page": 2, "count": 1, "page": 3, "more_records": False}
    over = await api.get("/Leads/search", params={**params, "per_page": "200", "page": "11"})
    assert (over.status_code, over.json()["code"]) == (400, "LIMIT_REACHED")


@pytest.mark.usefixtures("people")
async def test_count(api: Api) -> None:
    assert (await api.get("/Leads/actions/count")).json() == {"count": 3}
    smi = await api.get("/Leads/actions/count", params={"criteria": "(Last_Name:starts_with:Smi)"})
    assert smi.json() == {"count": 2}
    assert (await api.get("/Contacts/actions/count")).json() == {"count": 0}


async def test_deleted(fake: FakeZohoCRM, api: Api, people: list[str]) -> None:
    assert (await api.get("/Leads/deleted")).status_code == 204
    await api.delete("/Leads", params={"ids": people[0]})
    body = (await api.get("/Leads/deleted", params={"type": "recycle"})).json()
    [entry] = body["data"]
    assert entry["id"] == people[0] and entry["type"] == "recycle"
    assert entry["display_name"] == "Smith"
    assert entry["deleted_by"]["name"] == "Admin User"
    assert {"created_by", "deleted_time"} <= set(entry)
    assert body["info"]["count"] == 1
    assert (await api.get("/Leads/deleted", params={"type": "permanent"})).status_code == 204
    assert (await api.get("/Leads/deleted", params={"type": "bogus"})).status_code == 400


async def test_deleted_since(fake: FakeZohoCRM, api: Api, people: list[str]) -> None:
    await api.delete("/Leads", params={"ids": people[0]})
    body = (await api.get("/Leads/deleted")).json()
    deleted_at = body["data"][0]["deleted_time"]
    earlier = {"If-Modified-Since": "2000-01-01T00:00:00+00:00"}
    assert (await api.get("/Leads/deleted", headers=earlier)).json()["data"] == body["data"]
    at = await api.get("/Leads/deleted", headers={"If-Modified-Since": deleted_at})
    assert at.status_code == 304  # nothing deleted after that moment
    bad = await api.get("/Leads/deleted", headers={"If-Modified-Since": "yesterday"})
    assert bad.status_code == 400

"""The same behaviour on API v2 and v8, with the version differences hidden or surfaced.

reference/zoho-crm-api.md §6: ``fields`` is optional on v2 and mandatory from v3; v3+ pages
past 2,000 records with ``page_token``, which v2 does not have.
"""

from __future__ import annotations

import json

import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

from .conftest import Wire

pytestmark = pytest.mark.anyio


def _seed(fake: FakeZohoCRM, count: int, prefix: str = "Lead") -> list[str]:
    return fake.add_records(
        "Leads",
        (
            {"Last_Name": f"{prefix}{i:05d}", "Email": f"{prefix.lower()}{i}@example.com"}
            for i in range(count)
        ),
    )


# -- fields ---------------------------------------------------------------------------------------


async def test_list_without_fields_works_on_v2_and_is_a_client_error_from_v3(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, wire: Wire, api_version: str
) -> None:
    _seed(fake, 3)
    leads = crm.records("Leads")
    if api_version == "v2":
        page = await leads.list()
        assert sorted(r["Last_Name"] for r in page.items) == ["Lead00000", "Lead00001", "Lead00002"]
        assert "fields" not in wire.requests[-1].url.params
    else:
        with pytest.raises(ValueError, match="fields") as info:
            await leads.list()
        assert api_version in str(info.value)
        assert wire.requests == [], "the error is raised before anything is sent"


async def test_list_with_fields_sends_them_on_both_versions(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, wire: Wire
) -> None:
    _seed(fake, 2)
    page = await crm.records("Leads").list(fields=["Last_Name", "Email"])
    assert {r["Email"] for r in page.items} == {"lead0@example.com", "lead1@example.com"}
    assert wire.requests[-1].url.params["fields"] == "Last_Name,Email"


# -- pagination -----------------------------------------------------------------------------------


async def test_iterating_2300_records_has_no_gaps_or_duplicates(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, wire: Wire, api_version: str
) -> None:
    ids = _seed(fake, 2300)
    seen = [record.id async for record in crm.records("Leads").list(fields=["Last_Name"])]
    assert len(seen) == 2300
    assert set(seen) == set(ids)
    pages = wire.to("/crm/" + api_version + "/Leads", "GET")
    assert len(pages) == 12  # 11 full pages of 200, then 100
    for request in pages:
        params = request.url.params
        assert not ("page" in params and "page_token" in params), params
        if api_version == "v2":
            assert "page_token" not in params, "v2 has no page_token"
        elif "page_token" not in params:
            reach = int(params.get("page", "1")) * int(params["per_page"])
            assert reach <= 2000, f"a page request past record 2000 without page_token: {params}"
    if api_version == "v8":
        assert any("page_token" in r.url.params for r in pages)


async def test_sorted_iteration_is_in_order_on_both_versions(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    ids = _seed(fake, 450)
    leads = crm.records("Leads")
    ascending = [r.id async for r in leads.list(fields=["Last_Name"], sort_order="asc")]
    assert ascending == sorted(ids, key=int)
    first = await leads.list(fields=["Last_Name"], per_page=5, sort_order="desc")
    assert [r.id for r in first.items] == sorted(ids, key=int, reverse=True)[:5]
    assert first.info.more_records


async def test_max_records_stops_early(crm: zc.ZohoCRM, fake: FakeZohoCRM, wire: Wire) -> None:
    _seed(fake, 650)
    got = [r async for r in crm.records("Leads").list(fields=["Last_Name"], max_records=250)]
    assert len(got) == 250
    assert len(wire.to("/Leads", "GET")) == 2


async def test_empty_module_is_an_empty_iteration(crm: zc.ZohoCRM, wire: Wire) -> None:
    assert [r async for r in crm.records("Leads").list(fields=["Last_Name"])] == []
    page = await crm.records("Leads").list(fields=["Last_Name"])
    assert page.items == [] and not page.info.more_records


# -- per-record write results ---------------------------------------------------------------------


async def test_create_reports_each_record_in_input_order(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, wire: Wire
) -> None:
    bad = {7, 57, 157, 229}
    records = [
        {"Email": f"nameless{i}@example.com"} if i in bad else {"Last_Name": f"W{i}"}
        for i in range(230)
    ]
    result = await crm.records("Leads").create(records)
    assert [r.index for r in result] == list(range(230))
    assert {r.index for r in result.failed} == bad
    assert {r.code for r in result.failed} == {"MANDATORY_NOT_FOUND"}
    assert all(r.details.get("api_name") == "Last_Name" for r in result.failed)
    stored = fake.records("Leads")
    assert all(r.id in stored for r in result.succeeded)
    for index, r in enumerate(result):
        if r.ok:
            assert stored[r.id]["Last_Name"] == f"W{index}"
    assert len(wire.to("/Leads", "POST")) == 3  # chunks of 100
    assert all(len(json.loads(r.content)["data"]) <= 100 for r in wire.to("/Leads", "POST"))


async def test_update_upsert_and_delete_report_per_record(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    leads = crm.records("Leads")
    ids = _seed(fake, 3, "Up")
    missing = "5725767999999999999"
    updated = await leads.update(
        [{"id": ids[0], "Company": "Acme"}, {"id": missing, "Company": "Nope"}]
    )
    assert [r.ok for r in updated] == [True, False]
    assert updated[0].id == ids[0]
    assert updated[1].code == "INVALID_DATA"
    assert fake.records("Leads")[ids[0]]["Company"] == "Acme"

    upserted = await leads.upsert(
        [
            {"Last_Name": "Up00001", "Email": "up1@example.com", "Company": "Matched"},
            {"Last_Name": "Fresh", "Email": "fresh@example.com"},
        ],
        duplicate_check_fields=["Email"],
    )
    assert [r.action for r in upserted] == ["update", "insert"]
    assert upserted[0].id == ids[1]
    assert fake.records("Leads")[ids[1]]["Company"] == "Matched"

    deleted = await leads.delete([ids[2], missing])
    assert [r.ok for r in deleted] == [True, False]
    assert ids[2] not in fake.records("Leads")


async def test_all_rejected_write_is_a_result_not_an_exception(crm: zc.ZohoCRM) -> None:
    result = await crm.records("Leads").create([{"Email": "a@example.com"}, {"Phone": "1"}])
    assert [r.code for r in result] == ["MANDATORY_NOT_FOUND", "MANDATORY_NOT_FOUND"]
    with pytest.raises(zc.ZCRMError):
        result.raise_for_failures()


# -- search and count -----------------------------------------------------------------------------


async def test_search_by_criteria_email_phone_and_word(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    fake.add_records(
        "Leads",
        [
            {"Last_Name": "Burns", "Email": "burns@example.com", "Phone": "+1 555 0101"},
            {"Last_Name": "Burnside", "Email": "side@example.com", "Company": "Springfield"},
            {"Last_Name": "Flanders", "Email": "ned@example.com"},
        ],
    )
    leads = crm.records("Leads")

    async def names(**query: str) -> list[str]:
        return sorted([r["Last_Name"] async for r in leads.search(**query)])

    assert await names(criteria="(Last_Name:equals:Burns)") == ["Burns"]
    assert await names(criteria="(Last_Name:starts_with:Burn)") == ["Burns", "Burnside"]
    assert await names(email="ned@example.com") == ["Flanders"]
    assert await names(phone="+1 555 0101") == ["Burns"]
    assert await names(word="Springfield") == ["Burnside"]
    assert await names(criteria="(Last_Name:equals:Nobody)") == []


async def test_search_pages_through_results(crm: zc.ZohoCRM, fake: FakeZohoCRM, wire: Wire) -> None:
    ids = _seed(fake, 450, "Same")
    found = [
        r.id async for r in crm.records("Leads").search(criteria="(Last_Name:starts_with:Same)")
    ]
    assert sorted(found) == sorted(ids)
    assert len(wire.to("/Leads/search")) == 3


async def test_search_operators_beyond_v2_are_refused_client_side_on_v2(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, wire: Wire, api_version: str
) -> None:
    fake.add_records("Leads", [{"Last_Name": "Ranked", "No_of_Employees": 50}])
    leads = crm.records("Leads")
    criteria = "(No_of_Employees:greater_than:10)"
    if api_version == "v2":  # v2 allowed only equals and starts_with (reference §2.5)
        with pytest.raises(ValueError, match="greater_than"):
            await leads.search(criteria=criteria)
        assert wire.to("/search") == []
    else:
        assert [r["Last_Name"] async for r in leads.search(criteria=criteria)] == ["Ranked"]


async def test_count_is_the_same_on_both_versions(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    _seed(fake, 37, "Count")
    _seed(fake, 5, "Other")
    leads = crm.records("Leads")
    assert await leads.count() == 42
    assert await leads.count(criteria="(Last_Name:starts_with:Other)") == 5

"""``fields=`` on v3+: required, ``"all"`` expanded from metadata, slices of 50, unknown names."""

from __future__ import annotations

import pytest

import zcrm_async as zc
from zcrm_async.managers import _fields
from zcrm_async.testing import FakeZohoCRM

from .conftest import leads, requests_to

pytestmark = pytest.mark.anyio

LIST_ROUTE = "GET /crm/{version}/{module}"


async def test_v8_list_without_fields_is_a_client_error(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    fake.stats.reset()
    with pytest.raises(ValueError, match=r"list on API v8 needs fields=.*fields='all'"):
        crm.records("Leads").list()
    assert fake.stats.api_requests == 0


async def test_v2_list_without_fields_is_fine(crm_v2: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    fake.add_records("Leads", leads(2))
    page = await crm_v2.records("Leads").list()
    assert {"Last_Name", "Email", "Owner"} <= set(page.items[0])


async def test_all_fields_expand_from_metadata(any_crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    fake.add_records("Leads", leads(3))
    names = await any_crm.modules.field_names("Leads")
    records = await any_crm.records("Leads").list(fields="all").to_list()
    assert len(records) == 3
    assert all(set(r) == {"id", *names} for r in records)


async def test_more_than_50_fields_are_read_in_slices_and_merged(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fake's modules have fewer than 50 fields: shrink Zoho's limit on both sides.
    monkeypatch.setattr(_fields, "MAX_FIELDS_PER_CALL", 10)
    fake.limits.max_fields = 10
    ids = fake.add_records("Leads", leads(25))
    stored = fake.records("Leads")
    names = await crm.modules.field_names("Leads")
    slices = -(-len(names) // 10)
    assert slices >= 3
    fake.stats.reset()
    records = await crm.records("Leads").list(fields="all", per_page=10).to_list()
    assert sorted(r.id or "" for r in records) == sorted(ids)
    for record in records:
        assert set(record) == {"id", *names}
        expected = stored[record.id or ""]
        assert all(record[n] == expected.get(n) for n in names), record.id
    # 3 pages; each page: 1 request driving pagination + 1 per further slice (<= 100 ids).
    assert requests_to(fake, LIST_ROUTE) == 3 * slices


async def test_explicit_lists_over_50_are_sliced_too(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_fields, "MAX_FIELDS_PER_CALL", 2)
    fake.limits.max_fields = 2
    fake.add_records("Leads", leads(3))
    page = await crm.records("Leads").list(fields=["Last_Name", "Email", "Company"])
    assert [set(r) for r in page] == [{"id", "Last_Name", "Email", "Company"}] * 3
    found = await crm.records("Leads").search(
        email="lead1@example.com", fields=["Last_Name", "Email", "First_Name"]
    )
    assert [(r["Last_Name"], r["First_Name"]) for r in found] == [("Lead00001", "Ada")]


async def test_unknown_field_is_a_client_error_once_metadata_is_known(
    any_crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    leads_manager = any_crm.records("Leads")
    # Unknown metadata: nothing is fetched just to check, Zoho answers.
    fake.add_records("Leads", leads(1))
    with pytest.raises(zc.APIError) as caught:
        await leads_manager.list(fields=["Last_Name", "Nickname"])
    assert caught.value.details.get("api_name") == "Nickname"
    await any_crm.modules.fields("Leads")
    fake.stats.reset()
    with pytest.raises(ValueError, match=r"field 'Nickname' is not a field of module 'Leads'"):
        leads_manager.list(fields=["Last_Name", "Nickname"])
    with pytest.raises(ValueError, match=r"field 'Nick' is not a field of module 'Leads'"):
        leads_manager.search(word="ab", fields="Last_Name,Nick")
    assert fake.stats.api_requests == 0
    assert len(await leads_manager.list(fields=["id", "Last_Name"])) == 1


async def test_search_with_all_fields(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    fake.add_records("Leads", leads(4))
    names = await crm.modules.field_names("Leads")
    found = await crm.records("Leads").search(criteria="(First_Name:equals:Ada)", fields="all")
    assert len(found) == 2 and all(set(r) == {"id", *names} for r in found)


async def test_slices_follow_page_tokens_past_2000_records(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_fields, "MAX_FIELDS_PER_CALL", 20)
    fake.limits.max_fields = 20
    names = await crm.modules.field_names("Leads")
    assert names.index("Description") >= 20  # read by the second slice
    ids = fake.add_records(
        "Leads", ({"Last_Name": f"L{i}", "Description": f"d{i}"} for i in range(2050))
    )
    records = [r async for r in crm.records("Leads").list(fields="all")]
    assert sorted(r.id or "" for r in records) == sorted(ids)
    assert all(r["Description"] == f"d{r['Last_Name'][1:]}" for r in records)
    assert all(r["Owner"]["email"] == fake.user_email for r in records)

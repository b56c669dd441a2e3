"""Records addressed by external ids: ``crm.records(m).by_external(field)`` and X-EXTERNAL."""

from __future__ import annotations

import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

pytestmark = pytest.mark.anyio


@pytest.fixture
def external(fake: FakeZohoCRM) -> FakeZohoCRM:
    """The fake with external fields on Leads, Accounts and Products."""
    fake.add_field("Leads", "External_Lead_ID", "external")
    fake.add_field("Accounts", "External_Account_ID", "external")
    fake.add_field("Contacts", "External_Contact_ID", "external")
    fake.add_field("Products", "External_Product_ID", "external")
    return fake


async def test_get_update_and_delete_by_the_callers_own_id(
    any_crm: zc.ZohoCRM, external: FakeZohoCRM
) -> None:
    (lead_id,) = external.add_records("Leads", [{"Last_Name": "Ada", "External_Lead_ID": "ERP-7"}])
    leads = any_crm.records("Leads").by_external("External_Lead_ID")
    lead = await leads.get("ERP-7", fields=["Last_Name", "External_Lead_ID"])
    assert lead.id == lead_id and lead["Last_Name"] == "Ada"
    result = await leads.update("ERP-7", {"Company": "Engines"})
    assert result.ok and result.id == lead_id
    assert external.records("Leads")[lead_id]["Company"] == "Engines"
    [deleted] = await leads.delete("ERP-7")
    assert deleted.ok and deleted.id == lead_id
    assert lead_id not in external.records("Leads")


async def test_an_unknown_external_value_is_no_record(
    crm: zc.ZohoCRM, external: FakeZohoCRM
) -> None:
    leads = crm.records("Leads").by_external("External_Lead_ID")
    with pytest.raises(zc.EmptyResultError, match="External_Lead_ID = 'ERP-404'"):
        await leads.get("ERP-404")
    result = await leads.update("ERP-404", {"Company": "Nobody"})
    assert not result.ok and result.code == "INVALID_DATA"


async def test_values_with_slashes_and_spaces_stay_one_path_segment(
    crm: zc.ZohoCRM, external: FakeZohoCRM
) -> None:
    (lead_id,) = external.add_records(
        "Leads", [{"Last_Name": "Odd", "External_Lead_ID": "shop/42 #1"}]
    )
    lead = await crm.records("Leads").by_external("External_Lead_ID").get("shop/42 #1")
    assert lead.id == lead_id


async def test_upsert_matches_on_the_external_field_first(
    crm: zc.ZohoCRM, external: FakeZohoCRM
) -> None:
    (existing,) = external.add_records(
        "Leads", [{"Last_Name": "Old", "Email": "old@example.com", "External_Lead_ID": "A-1"}]
    )
    leads = crm.records("Leads").by_external("External_Lead_ID")
    results = await leads.upsert(
        [
            # Same external id, another e-mail: the external id wins, the record is updated.
            {"Last_Name": "Renamed", "Email": "new@example.com", "External_Lead_ID": "A-1"},
            {"Last_Name": "Fresh", "External_Lead_ID": "A-2"},
        ]
    )
    assert [r.action for r in results] == ["update", "insert"]
    assert results[0].id == existing
    assert external.records("Leads")[existing]["Last_Name"] == "Renamed"


async def test_update_many_names_each_record_by_its_external_value(
    crm: zc.ZohoCRM, external: FakeZohoCRM
) -> None:
    ids = external.add_records(
        "Leads", [{"Last_Name": f"L{n}", "External_Lead_ID": f"X-{n}"} for n in range(3)]
    )
    leads = crm.records("Leads").by_external("External_Lead_ID")
    results = await leads.update_many(
        [
            {"External_Lead_ID": "X-0", "Company": "Zero"},
            {"External_Lead_ID": "X-9", "Company": "Nine"},  # no such record
            {"External_Lead_ID": "X-2", "Company": "Two"},
        ]
    )
    assert [r.ok for r in results] == [True, False, True]
    assert [r.index for r in results] == [0, 1, 2]
    stored = external.records("Leads")
    assert (stored[ids[0]]["Company"], stored[ids[2]]["Company"]) == ("Zero", "Two")


async def test_update_many_needs_every_external_value(crm: zc.ZohoCRM) -> None:
    leads = crm.records("Leads").by_external("External_Lead_ID")
    with pytest.raises(zc.InvalidArgumentTypeError, match=r"records\[1\]\['External_Lead_ID'\]"):
        await leads.update_many([{"External_Lead_ID": "A"}, {"Company": "no id"}])


async def test_a_lookup_named_by_its_records_external_value(
    crm: zc.ZohoCRM, external: FakeZohoCRM
) -> None:
    (account,) = external.add_records(
        "Accounts", [{"Account_Name": "Acme", "External_Account_ID": "ACC-1"}]
    )
    contacts = crm.records("Contacts").by_external(
        "External_Contact_ID", lookups=["Account_Name.External_Account_ID"]
    )
    results = await contacts.create(
        [
            {
                "Last_Name": "Linked",
                "External_Contact_ID": "C-1",
                "Account_Name": {"External_Account_ID": "ACC-1"},
            },
            {
                "Last_Name": "Dangling",
                "External_Contact_ID": "C-2",
                "Account_Name": {"External_Account_ID": "ACC-404"},
            },
        ]
    )
    assert results[0].ok and not results[1].ok
    assert results[1].details["api_name"] == "Account_Name"
    assert external.records("Contacts")[str(results[0].id)]["Account_Name"]["id"] == account


async def test_related_records_by_external_values_on_both_sides(
    crm: zc.ZohoCRM, external: FakeZohoCRM
) -> None:
    external.add_records("Leads", [{"Last_Name": "Buyer", "External_Lead_ID": "L-1"}])
    p1, p2 = external.add_records(
        "Products",
        [
            {"Product_Name": "Widget", "External_Product_ID": "P-1"},
            {"Product_Name": "Gadget", "External_Product_ID": "P-2"},
        ],
    )
    leads = crm.records("Leads").by_external("External_Lead_ID")
    added = await leads.add_related(
        "L-1", "Products", ["P-1", "P-2"], related_field="External_Product_ID"
    )
    assert [r.id for r in added] == [p1, p2]
    related = [r async for r in leads.related("L-1", "Products", fields=["Product_Name"])]
    assert sorted(r["Product_Name"] for r in related) == ["Gadget", "Widget"]
    removed = await leads.remove_related(
        "L-1", "Products", "P-1", related_field="External_Product_ID"
    )
    assert removed[0].ok
    removed = await leads.remove_related("L-1", "Products", [p2])  # by Zoho id
    assert removed[0].ok
    assert [r async for r in leads.related("L-1", "Products", fields=["Product_Name"])] == []


async def test_deleting_many_external_values(crm: zc.ZohoCRM, external: FakeZohoCRM) -> None:
    external.add_records(
        "Leads", [{"Last_Name": f"D{n}", "External_Lead_ID": f"D-{n}"} for n in range(3)]
    )
    leads = crm.records("Leads").by_external("External_Lead_ID")
    results = await leads.delete(["D-0", "D-404", "D-2"])
    assert [r.ok for r in results] == [True, False, True]
    assert [r["Last_Name"] for r in external.records("Leads").values()] == ["D1"]


async def test_a_field_that_is_not_external_is_an_error_from_zoho(
    crm: zc.ZohoCRM, external: FakeZohoCRM
) -> None:
    with pytest.raises(zc.APIError) as caught:
        await crm.records("Leads").by_external("Email").get("x@example.com")
    assert caught.value.code == "INVALID_DATA"
    assert caught.value.details["header"] == "X-EXTERNAL"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda leads: leads.by_external("Bad Name"), "'Bad Name' is not a field API name"),
        (lambda leads: leads.by_external("A.B"), "must be a field of Leads itself"),
        (lambda leads: leads.by_external("X", lookups="Account.X"), "lookups must be a list"),
    ],
)
async def test_bad_fields_are_refused_naming_them(
    crm: zc.ZohoCRM, make: object, message: str
) -> None:
    with pytest.raises((zc.InvalidArgumentError, zc.InvalidArgumentTypeError), match=message):
        make(crm.records("Leads"))  # type: ignore[operator]


@pytest.mark.parametrize(
    ("value", "message"),
    [("", "1..255 characters"), ("x" * 256, "1..255 characters"), (None, "must be text")],
)
async def test_bad_external_values_are_refused_before_any_request(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, value: object, message: str
) -> None:
    leads = crm.records("Leads").by_external("External_Lead_ID")
    fake.stats.reset()
    with pytest.raises((zc.InvalidArgumentError, zc.InvalidArgumentTypeError), match=message):
        await leads.get(value)  # type: ignore[arg-type]
    assert fake.stats.api_requests == 0


async def test_one_value_is_deleted_or_unrelated_at_its_own_path(
    crm: zc.ZohoCRM, external: FakeZohoCRM
) -> None:
    external.add_records(
        "Leads", [{"Last_Name": f"D{n}", "External_Lead_ID": f"D-{n}"} for n in range(3)]
    )
    p1, p2 = external.add_records(
        "Products",
        [
            {"Product_Name": "Widget", "External_Product_ID": "P-1"},
            {"Product_Name": "Gadget", "External_Product_ID": "P-2"},
        ],
    )
    leads = crm.records("Leads").by_external("External_Lead_ID")
    await leads.add_related("D-0", "Products", [p1, p2])
    external.stats.reset()
    [one] = await leads.remove_related(
        "D-0", "Products", "P-1", related_field="External_Product_ID"
    )
    [deleted] = await leads.delete("D-1")
    assert one.ok and deleted.ok
    assert dict(external.stats.by_route) == {
        "DELETE /crm/{version}/{module}/{id}/{related_list}/{related_id}": 1,
        "DELETE /crm/{version}/{module}/{id}": 1,
    }
    external.stats.reset()
    assert [r.ok for r in await leads.delete(["D-0", "D-2"], wf_trigger=False)] == [True, True]
    assert dict(external.stats.by_route) == {"DELETE /crm/{version}/{module}": 1}

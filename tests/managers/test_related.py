"""Related records: lookups (Contacts of an Account, Deals of a Contact), junctions, notes."""

from __future__ import annotations

import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

pytestmark = pytest.mark.anyio


async def test_contacts_of_an_account_through_the_lookup(
    any_crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    (account,) = fake.add_records("Accounts", [{"Account_Name": "Acme"}])
    a, _, _ = fake.add_records(
        "Contacts",
        [
            {"Last_Name": "A", "Account_Name": {"id": account}},
            {"Last_Name": "B", "Account_Name": {"id": account}},
            {"Last_Name": "Elsewhere"},
        ],
    )
    accounts = any_crm.records("Accounts")
    related = [r async for r in accounts.related(account, "Contacts", fields=["Last_Name"])]
    assert sorted(r["Last_Name"] for r in related) == ["A", "B"]
    assert all(r.module == "Contacts" for r in related)
    removed = await accounts.remove_related(account, "Contacts", [a])
    assert removed[0].ok and removed[0].message == "relation removed"
    assert fake.records("Contacts")[a]["Account_Name"] is None
    added = await accounts.add_related(account, "Contacts", [a])
    assert added[0].message == "relation added"
    assert fake.records("Contacts")[a]["Account_Name"]["id"] == account


async def test_deals_of_a_contact(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    (contact,) = fake.add_records("Contacts", [{"Last_Name": "C"}])
    fake.add_records(
        "Deals",
        [
            {
                "Deal_Name": "D1",
                "Stage": "Qualification",
                "Closing_Date": "2030-01-01",
                "Contact_Name": {"id": contact},
            }
        ],
    )
    deals = [
        r async for r in crm.records("Contacts").related(contact, "Deals", fields=["Deal_Name"])
    ]
    assert [d["Deal_Name"] for d in deals] == ["D1"]


async def test_products_junction_with_relation_fields(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    (deal,) = fake.add_records(
        "Deals", [{"Deal_Name": "D", "Stage": "Qualification", "Closing_Date": "2030-01-01"}]
    )
    products = fake.add_records("Products", [{"Product_Name": f"P{i}"} for i in range(3)])
    deals = crm.records("Deals")
    result = await deals.add_related(deal, "Products", [products[0], products[1]])
    assert [r.id for r in result] == products[:2]
    updated = await deals.update_related(deal, "Products", [{"id": products[0], "List_Price": 9}])
    assert updated[0].ok
    listed = {r.id: r async for r in deals.related(deal, "Products", fields=["Product_Name"])}
    assert set(listed) == set(products[:2]) and listed[products[0]]["List_Price"] == 9
    # the other side of the junction sees it too
    back = [
        r async for r in crm.records("Products").related(products[0], "Deals", fields=["Deal_Name"])
    ]
    assert [r.id for r in back] == [deal]
    removed = await deals.remove_related(deal, "Products", products)
    assert [r.ok for r in removed] == [True, True, False]
    assert [r async for r in deals.related(deal, "Products", fields=["Product_Name"])] == []


async def test_related_needs_fields_from_v3(
    crm: zc.ZohoCRM, crm_v2: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    (account,) = fake.add_records("Accounts", [{"Account_Name": "Acme"}])
    fake.add_records("Contacts", [{"Last_Name": "A", "Account_Name": {"id": account}}])
    with pytest.raises(ValueError, match="needs fields="):
        crm.records("Accounts").related(account, "Contacts")
    found = [r async for r in crm_v2.records("Accounts").related(account, "Contacts")]
    assert [r["Last_Name"] for r in found] == ["A"]


async def test_unknown_related_list_is_zoho_error(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    (account,) = fake.add_records("Accounts", [{"Account_Name": "Acme"}])
    with pytest.raises(zc.APIError) as error:
        await crm.records("Accounts").related(account, "Spaceships", fields=["Name"])
    assert error.value.code == "INVALID_DATA"
    with pytest.raises(ValueError, match="related list 'Bad Name'"):
        crm.records("Accounts").related(account, "Bad Name")


async def test_a_non_id_segment_is_no_url(crm: zc.ZohoCRM) -> None:
    with pytest.raises(zc.NotFoundError) as error:
        await crm.request("GET", "Leads/not-an-id/Contacts")
    assert error.value.code == "INVALID_URL_PATTERN"


async def test_related_items_with_bad_ids_are_refused_before_sending(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    accounts = crm.records("Accounts")
    account = "5725767000000100001"
    sent = fake.stats.api_requests
    with pytest.raises(zc.InvalidArgumentError, match=r"items\[1\] 'bob' is not a Zoho id"):
        await accounts.add_related(account, "Contacts", ["5725767000000100002", "bob"])
    with pytest.raises(zc.InvalidArgumentError, match=r"items\[0\]\['id'\] None is not"):
        await accounts.add_related(account, "Contacts", [{"Contact_Role": "x"}])
    assert fake.stats.api_requests == sent


async def test_one_related_record_is_removed_at_its_own_path(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    big = {"Deal_Name": "Big", "Stage": "Qualification", "Closing_Date": "2030-01-01"}
    (deal,) = fake.add_records("Deals", [big])
    products = fake.add_records("Products", [{"Product_Name": f"P{i}"} for i in range(3)])
    deals = crm.records("Deals")
    await deals.add_related(deal, "Products", products)
    fake.stats.reset()
    [one] = await deals.remove_related(deal, "Products", products[0])
    assert one.ok and one.id == products[0]
    assert dict(fake.stats.by_route) == {
        "DELETE /crm/{version}/{module}/{id}/{related_list}/{related_id}": 1
    }
    fake.stats.reset()
    assert [r.ok for r in await deals.remove_related(deal, "Products", products[1:])] == [True] * 2
    assert dict(fake.stats.by_route) == {"DELETE /crm/{version}/{module}/{id}/{related_list}": 1}

"""``crm.territories`` (their users, users' territories) and records' territories
(managers/territories.py, managers/_record_admin.py)."""

from __future__ import annotations

import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

from .conftest import requests_to

pytestmark = pytest.mark.anyio


async def _root(crm: zc.ZohoCRM) -> str:
    [root] = [t async for t in crm.territories.list() if t.reporting_to is None]
    return root.id or ""


async def _tree(crm: zc.ZohoCRM, *names: str) -> list[str]:
    """Territories under the root, in order; their ids."""
    root = await _root(crm)
    made = await crm.territories.create([{"name": n, "reporting_to": {"id": root}} for n in names])
    assert not made.failed, made.failed
    return [i or "" for i in made.ids]


async def test_the_org_has_a_root_territory_and_territories_report_to_it(
    any_crm: zc.ZohoCRM,
) -> None:
    root = await any_crm.territories.get(await _root(any_crm))
    assert root.reporting_to is None and root.name == "Zylker Fake Inc."
    me = await any_crm.users.current()
    made = await any_crm.territories.create(
        [
            {
                "name": "EMEA",
                "reporting_to": {"id": root.id},
                "manager": {"id": me.id},
                "permission_type": "read_only",
            },
            {"name": "emea", "reporting_to": {"id": root.id}},
            {"name": "Nowhere", "reporting_to": {"id": "5725767000000999999"}},
            {"name": "Orphan"},
            {"name": "Bad", "reporting_to": {"id": root.id}, "permission_type": "admin"},
        ]
    )
    assert [r.code for r in made] == [
        "SUCCESS",
        "DUPLICATE_DATA",
        "INVALID_DATA",
        "MANDATORY_NOT_FOUND",
        "INVALID_DATA",
    ]
    assert [r.details.get("api_name") for r in made.failed] == [
        "name",
        "reporting_to",
        "reporting_to",
        "permission_type",
    ]
    emea = await any_crm.territories.get(made.ids[0] or "")
    assert emea.manager is not None and emea.manager.id == me.id
    assert emea.reporting_to is not None and emea.reporting_to.id == root.id
    assert emea.permission_type == "read_only" and emea.api_name == "EMEA"


async def test_list_pages_and_filters(any_crm: zc.ZohoCRM) -> None:
    ids = await _tree(any_crm, *(f"Region {n:02d}" for n in range(5)))
    page = await any_crm.territories.list(per_page=2)
    assert len(page.items) == 2 and page.info.more_records
    everything = [t.name async for t in any_crm.territories.list(per_page=2)]
    assert len(everything) == 6
    named = [
        t.id
        async for t in any_crm.territories.list(
            filters={"field": {"api_name": "name"}, "comparator": "equal", "value": "Region 03"}
        )
    ]
    assert named == [ids[3]]
    assert [t.id async for t in any_crm.territories.list(ids=ids[:2])] == ids[:2]
    children = [t.id async for t in any_crm.territories.children(await _root(any_crm))]
    assert children == ids


async def test_update_one_and_many_and_the_hierarchy_holds(
    fake: FakeZohoCRM, any_crm: zc.ZohoCRM
) -> None:
    emea, iberia = await _tree(any_crm, "EMEA", "Iberia")
    before = requests_to(fake, "PUT /crm/{version}/settings/territories/{id}")
    [one] = await any_crm.territories.update([{"id": iberia, "reporting_to": {"id": emea}}])
    assert (
        one.ok and requests_to(fake, "PUT /crm/{version}/settings/territories/{id}") == before + 1
    )
    many = await any_crm.territories.update(
        [
            {"id": emea, "description": "Europe"},
            {"id": emea, "reporting_to": {"id": iberia}},  # under its own child: refused
        ]
    )
    assert [r.ok for r in many] == [True, False]
    assert (await any_crm.territories.get(emea)).description == "Europe"
    assert [t.id async for t in any_crm.territories.children(emea)] == [iberia]


async def test_users_of_a_territory_and_territories_of_a_user(
    fake: FakeZohoCRM, any_crm: zc.ZohoCRM
) -> None:
    emea, apac = await _tree(any_crm, "EMEA", "APAC")
    me = (await any_crm.users.current()).id or ""
    other = fake.add_user("oscar.other@example.com")["id"]
    assert (await any_crm.territories.add_users(emea, me))[0].ok
    added = await any_crm.territories.add_users(emea, [other, "5725767000000999999"])
    assert [r.ok for r in added] == [True, False]
    assert {u.id for u in await any_crm.territories.users(emea)} == {me, other}
    assert (await any_crm.territories.user(emea, other)).email == "oscar.other@example.com"
    with pytest.raises(zc.EmptyResultError, match="is not in territory"):
        await any_crm.territories.user(apac, other)
    assert (await any_crm.territories.associated_users_count())[emea] == 2
    assigned = await any_crm.territories.assign_to_user(other, [apac, "5725767000000999999"])
    assert [r.ok for r in assigned] == [True, False]
    mine = await any_crm.territories.of_user(other)
    assert {t.name for t in mine} == {"EMEA", "APAC"}
    one = await any_crm.territories.of_user_one(other, apac)
    assert one.name == "APAC" and one.reporting_to is not None and one.reporting_to.id
    assert one.to_dict()["Name"] == "APAC"  # Zoho's capitalised keys, kept
    removed = await any_crm.territories.remove_from_user(other, [apac, apac])
    assert [r.ok for r in removed] == [True, False]
    assert (await any_crm.territories.remove_users(emea, other))[0].ok
    assert [t.name for t in await any_crm.territories.of_user(other)] == []
    assert [u.id for u in await any_crm.territories.users(emea)] == [me]


async def test_records_join_and_leave_territories(fake: FakeZohoCRM, any_crm: zc.ZohoCRM) -> None:
    emea, apac = await _tree(any_crm, "EMEA", "APAC")
    accounts = any_crm.records("Accounts")
    first, second = (
        i or ""
        for i in (await accounts.create([{"Account_Name": "One"}, {"Account_Name": "Two"}])).ids
    )
    assert (await accounts.assign_territories(first, [emea, apac]))[0].ok
    both = await accounts.assign_territories([first, second, "5725767000000999999"], emea)
    assert [r.ok for r in both] == [True, True, False]
    stored = fake.records("Accounts")
    assert [t["name"] for t in stored[first]["Territories"]] == ["EMEA", "APAC"]
    assert [t["name"] for t in stored[second]["Territories"]] == ["EMEA"]
    assert (await accounts.remove_territories([first, second], emea)).succeeded
    assert [t["name"] for t in fake.records("Accounts")[first]["Territories"]] == ["APAC"]
    with pytest.raises(zc.APIError) as refused:  # Vendors have no territories
        await any_crm.records("Vendors").assign_territories("5725767000000999999", emea)
    assert refused.value.code == "INVALID_MODULE"


async def test_transfer_and_delete_hands_records_users_and_children_over(
    fake: FakeZohoCRM, any_crm: zc.ZohoCRM
) -> None:
    emea, iberia, nordics = await _tree(any_crm, "EMEA", "Iberia", "Nordics")
    await any_crm.territories.update([{"id": iberia, "reporting_to": {"id": emea}}])
    accounts = any_crm.records("Accounts")
    account = (await accounts.create([{"Account_Name": "Moved"}])).ids[0] or ""
    await accounts.assign_territories(account, emea)
    me = (await any_crm.users.current()).id or ""
    await any_crm.territories.add_users(emea, me)
    [blocked] = await any_crm.territories.delete(emea)  # it has a child territory
    assert blocked.code == "NOT_ALLOWED"
    [moved] = await any_crm.territories.transfer_and_delete({emea: nordics})
    assert moved.ok
    assert [t["id"] for t in fake.records("Accounts")[account]["Territories"]] == [nordics]
    assert [u.id for u in await any_crm.territories.users(nordics)] == [me]
    assert (await any_crm.territories.get(iberia)).reporting_to.id == nordics  # type: ignore[union-attr]
    [gone] = await any_crm.territories.deleted()
    assert (gone.id, gone.name) == (emea, "EMEA") and gone.data["deleted_by"]["id"] == me
    removed = await any_crm.territories.delete([iberia, "5725767000000999999"])
    assert [r.ok for r in removed] == [True, False]
    assert [t.id for t in await any_crm.territories.deleted()] == [emea]  # iberia had nothing


async def test_bad_input_is_refused_before_sending(fake: FakeZohoCRM, crm: zc.ZohoCRM) -> None:
    sent = fake.stats.api_requests
    with pytest.raises(zc.InvalidArgumentError, match="territory id 'EMEA'"):
        await crm.territories.get("EMEA")
    with pytest.raises(zc.InvalidArgumentError, match="filters must be a criteria object"):
        crm.territories.list(filters={"name": "EMEA"})
    with pytest.raises(zc.InvalidArgumentError, match="per_page must be"):
        crm.territories.list(per_page=500)
    with pytest.raises(zc.InvalidArgumentError, match="moves must map"):
        await crm.territories.transfer_and_delete({})
    with pytest.raises(zc.InvalidArgumentError, match="no user ids given"):
        await crm.territories.add_users("1", [])
    with pytest.raises(zc.InvalidArgumentError, match="delete_previous_forecasts must be a bool"):
        await crm.territories.delete("1", delete_previous_forecasts="yes")  # type: ignore[arg-type]
    with pytest.raises(zc.InvalidArgumentError, match="territory id 'x'"):
        await crm.records("Leads").assign_territories("1", "x")
    assert fake.stats.api_requests == sent

"""Clean-up: mass delete, the recycle bin, find and merge, mass convert
(managers/_record_admin.py, managers/recycle_bin.py)."""

from __future__ import annotations

import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

pytestmark = pytest.mark.anyio

MISSING = "5725767000000999999"
FAST = zc.PollPolicy(interval=0.001, max_interval=0.002, timeout=5.0)


async def _all_view(crm: zc.ZohoCRM, module: str) -> str:
    views = await crm.modules.custom_views(module)
    return next(v.id or "" for v in views if v.system_name == "ALLVIEWS")


async def _vendors(crm: zc.ZohoCRM, n: int) -> list[str]:
    made = await crm.records("Vendors").create([{"Vendor_Name": f"Vendor {i}"} for i in range(n)])
    return [i or "" for i in made.ids]


# -- mass delete ----------------------------------------------------------------------------------


async def test_mass_delete_by_ids_answers_per_record(fake: FakeZohoCRM, crm: zc.ZohoCRM) -> None:
    ids = await _vendors(crm, 3)
    results = await crm.records("Vendors").mass_delete(ids=[ids[0], MISSING, ids[1]])
    assert [r.ok for r in results] == [True, False, True]
    assert results[0].message == "record is deleted"
    assert list(fake.records("Vendors")) == [ids[2]]


async def test_mass_delete_of_a_view_runs_as_a_job(fake: FakeZohoCRM, crm: zc.ZohoCRM) -> None:
    vendors = crm.records("Vendors")
    await _vendors(crm, 4)
    job = await vendors.mass_delete(cvid=await _all_view(crm, "Vendors"))
    status = await vendors.mass_delete_status(job)
    assert (status.status, status.total_count, status.deleted_count) == ("COMPLETED", 4, 4)
    assert (await vendors.wait_for_job("mass_delete", job, poll=FAST)).failed_count == 0
    assert fake.records("Vendors") == {}
    assert len([r async for r in vendors.deleted(type="recycle")]) == 4


async def test_mass_delete_of_a_territory_only(fake: FakeZohoCRM, crm: zc.ZohoCRM) -> None:
    accounts = crm.records("Accounts")
    ids = [i or "" for i in (await accounts.create([{"Account_Name": n} for n in "AB"])).ids]
    [root] = [t.id or "" async for t in crm.territories.list()]
    emea = (await crm.territories.create([{"name": "EMEA", "reporting_to": {"id": root}}])).ids[0]
    await accounts.assign_territories(ids[0], emea or "")
    job = await accounts.mass_delete(cvid=await _all_view(crm, "Accounts"), territory_id=emea or "")
    assert (await accounts.mass_delete_status(job)).deleted_count == 1
    assert list(fake.records("Accounts")) == [ids[1]]


async def test_mass_delete_came_with_v4(crm_v2: zc.ZohoCRM) -> None:
    with pytest.raises(zc.APIError) as refused:
        await crm_v2.records("Leads").mass_delete(ids=["1"])
    assert refused.value.code == "API_NOT_SUPPORTED"


# -- the recycle bin ------------------------------------------------------------------------------


async def test_the_recycle_bin_lists_every_modules_deleted_records(any_crm: zc.ZohoCRM) -> None:
    vendor_ids = await _vendors(any_crm, 3)
    await any_crm.records("Vendors").delete(vendor_ids)
    lead = (await any_crm.records("Leads").create([{"Last_Name": "Binned"}])).ids[0] or ""
    await any_crm.records("Leads").delete([lead])
    everything = [r async for r in any_crm.recycle_bin.list()]
    assert everything[0].id == lead  # newest first
    assert len(everything) == 4
    assert {r.module.api_name for r in everything if r.module} == {"Vendors", "Leads"}
    vendors = [
        r.display_name
        async for r in any_crm.recycle_bin.list(
            module="Vendors", sort_by="display_name", sort_order="asc"
        )
    ]
    assert vendors == ["Vendor 0", "Vendor 1", "Vendor 2"]
    one = [
        r.id
        async for r in any_crm.recycle_bin.list(
            module="Vendors",
            filters={
                "field": {"api_name": "display_name"},
                "comparator": "ends_with",
                "value": "1",
            },
        )
    ]
    assert one == [vendor_ids[1]]
    page = await any_crm.recycle_bin.list(per_page=3)
    assert len(page.items) == 3 and page.info.more_records
    entry = await any_crm.recycle_bin.get(lead)
    assert entry.display_name == "Binned" and entry.deleted_by is not None
    with pytest.raises(zc.EmptyResultError):
        await any_crm.recycle_bin.get(MISSING)


async def test_restore_brings_records_back(fake: FakeZohoCRM, any_crm: zc.ZohoCRM) -> None:
    ids = await _vendors(any_crm, 3)
    await any_crm.records("Vendors").delete(ids)
    assert fake.records("Vendors") == {}
    [one] = await any_crm.recycle_bin.restore(ids[0])
    assert one.ok and one.id == ids[0]
    many = await any_crm.recycle_bin.restore([ids[1], MISSING, ids[2]])
    assert [r.ok for r in many] == [True, False, True]
    assert [r.index for r in many] == [0, 1, 2]
    assert set(fake.records("Vendors")) == set(ids)
    restored = await any_crm.records("Vendors").get(ids[1])
    assert restored["Vendor_Name"] == "Vendor 1"
    assert [r async for r in any_crm.recycle_bin.list()] == []


async def test_purge_and_empty_make_deletions_permanent(
    fake: FakeZohoCRM, any_crm: zc.ZohoCRM
) -> None:
    vendors = any_crm.records("Vendors")
    ids = await _vendors(any_crm, 4)
    await vendors.delete(ids)
    [one] = await any_crm.recycle_bin.delete(ids[0])
    assert one.ok
    many = await any_crm.recycle_bin.delete([ids[1], ids[0]])  # ids[0] is gone already
    assert [r.ok for r in many] == [True, False]
    assert (await any_crm.recycle_bin.empty()).message == "recyclebin is cleared"
    assert [r async for r in any_crm.recycle_bin.list()] == []
    permanent = [r.id async for r in vendors.deleted(type="permanent")]
    assert sorted(permanent) == sorted(ids)
    [cannot] = await any_crm.recycle_bin.restore(ids[0])
    assert not cannot.ok


async def test_only_administrators_empty_the_bin(fake: FakeZohoCRM, crm: zc.ZohoCRM) -> None:
    standard = "sam.standard@example.com"
    fake.add_user(standard)
    grant = fake.issue_grant_code(user_email=standard)
    await crm.oauth.generate_access_token(grant, user_email=standard)
    with pytest.raises(zc.APIError) as refused:
        await crm.as_user(standard).recycle_bin.empty()
    assert refused.value.code == "AUTHORIZATION_FAILED"


# -- find and merge -------------------------------------------------------------------------------


async def test_merge_keeps_the_master_takes_chosen_fields_and_bins_duplicates(
    fake: FakeZohoCRM, any_crm: zc.ZohoCRM
) -> None:
    leads = any_crm.records("Leads")
    made = await leads.create(
        [
            {"Last_Name": "Smith", "Email": "smith@example.com"},
            {"Last_Name": "Smith", "Phone": "+1 555 0101", "Company": "Smithy"},
            {"Last_Name": "Smyth", "Company": "Other"},
        ]
    )
    master, twin, triplet = (i or "" for i in made.ids)
    result = await leads.merge(master, [twin, triplet], take={"Phone": twin, "Company": triplet})
    assert result.ok and result.details["id"] == master
    stored = fake.records("Leads")
    assert set(stored) == {master}
    assert (stored[master]["Email"], stored[master]["Phone"], stored[master]["Company"]) == (
        "smith@example.com",
        "+1 555 0101",
        "Other",
    )
    status = await leads.merge_status(master, result.details["job_id"])
    assert status.done and status.job_id == result.details["job_id"]
    assert [r["id"] for r in status.records or []] == [twin, triplet]
    assert (await leads.merge_status(master)).job_id == status.job_id  # the latest merge
    assert {r.id async for r in any_crm.recycle_bin.list()} == {twin, triplet}


async def test_merge_errors(any_crm: zc.ZohoCRM) -> None:
    leads = any_crm.records("Leads")
    master = (await leads.create([{"Last_Name": "Alone"}])).ids[0] or ""
    with pytest.raises(zc.APIError) as refused:
        await leads.merge(master, MISSING)
    assert refused.value.details["json_path"] == "$.merge[0].data[0].id"
    with pytest.raises(zc.EmptyResultError, match="no merge known"):
        await leads.merge_status(master)


# -- mass convert ---------------------------------------------------------------------------------


async def test_mass_convert_converts_each_lead(fake: FakeZohoCRM, crm: zc.ZohoCRM) -> None:
    leads = crm.records("Leads")
    made = await leads.create(
        [{"Last_Name": f"Mass {n}", "Company": f"Mass Co {n}"} for n in range(3)]
    )
    owner = fake.add_user("cora.convert@example.com")
    job = await leads.mass_convert(
        [*made.ids, MISSING],  # type: ignore[list-item]
        deal={"Deal_Name": "From a lead", "Stage": "Qualification", "Closing_Date": "2030-01-01"},
        assign_to=owner["id"],
    )
    status = await leads.mass_convert_status(job)
    assert (status.total_count, status.converted_count, status.failed_count) == (4, 3, 1)
    assert (await leads.wait_for_job("mass_convert", job, poll=FAST)).done
    contacts = fake.records("Contacts")
    assert sorted(c["Last_Name"] for c in contacts.values()) == ["Mass 0", "Mass 1", "Mass 2"]
    assert {c["Owner"]["id"] for c in contacts.values()} == {owner["id"]}
    assert len(fake.records("Deals")) == 3 and len(fake.records("Accounts")) == 3


async def test_mass_convert_limits_and_version(crm: zc.ZohoCRM, crm_v2: zc.ZohoCRM) -> None:
    with pytest.raises(zc.InvalidArgumentError, match="at most 50"):
        await crm.records("Leads").mass_convert([str(5725767000000100000 + n) for n in range(51)])
    with pytest.raises(zc.InvalidArgumentError, match="only Leads can be converted"):
        await crm.records("Contacts").mass_convert(["1"])
    with pytest.raises(zc.APIError) as refused:
        await crm_v2.records("Leads").mass_convert(["1"])
    assert refused.value.code == "API_NOT_SUPPORTED"


async def test_bad_input_is_refused_before_sending(fake: FakeZohoCRM, crm: zc.ZohoCRM) -> None:
    leads = crm.records("Leads")
    sent = fake.stats.api_requests
    with pytest.raises(zc.InvalidArgumentError, match="exactly one of ids= or cvid="):
        await leads.mass_delete()  # type: ignore[call-overload]
    with pytest.raises(
        zc.InvalidArgumentError, match="territory_id and include_child go with cvid"
    ):
        await leads.mass_delete(ids=["1"], territory_id="2")  # type: ignore[call-overload]
    with pytest.raises(zc.InvalidArgumentError, match="at most 2"):
        await leads.merge("1", ["2", "3", "4"])
    with pytest.raises(zc.InvalidArgumentError, match="other than the master"):
        await leads.merge("1", ["1"])
    with pytest.raises(zc.InvalidArgumentError, match=r"take\['Email'\] names record 9"):
        await leads.merge("1", ["2"], take={"Email": "9"})
    with pytest.raises(zc.InvalidArgumentError, match="sort_by must be one of"):
        crm.recycle_bin.list(sort_by="owner")
    with pytest.raises(zc.InvalidArgumentError, match="module 'My Leads'"):
        crm.recycle_bin.list(module="My Leads")
    with pytest.raises(zc.InvalidArgumentError, match="module 'x y'"):
        await leads.mass_convert(["1"], move_attachments_to="x y")
    assert fake.stats.api_requests == sent

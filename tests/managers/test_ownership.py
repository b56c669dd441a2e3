"""Record ownership: change owner, mass change owner as a job, waiting for jobs
(managers/_record_admin.py)."""

from __future__ import annotations

import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

from .conftest import requests_to

pytestmark = pytest.mark.anyio

FAST = zc.PollPolicy(interval=0.001, max_interval=0.002, timeout=5.0)
MISSING = "5725767000000999999"


async def _view(crm: zc.ZohoCRM, module: str, system_name: str) -> str:
    views = await crm.modules.custom_views(module)
    return next(v.id or "" for v in views if v.system_name == system_name)


async def test_change_owner_of_one_and_of_many(fake: FakeZohoCRM, any_crm: zc.ZohoCRM) -> None:
    leads = any_crm.records("Leads")
    owner = fake.add_user("olive.owner@example.com")
    ids = [i or "" for i in (await leads.create([{"Last_Name": f"L{n}"} for n in range(3)])).ids]
    before = requests_to(fake, "POST /crm/{version}/{module}/{id}/actions/change_owner")
    [one] = await leads.change_owner(ids[0], owner["id"], notify=False)
    assert one.ok and one.message == "owner is successfully updated"
    assert requests_to(fake, "POST /crm/{version}/{module}/{id}/actions/change_owner") == before + 1
    many = await leads.change_owner([ids[1], MISSING, ids[2]], owner["id"])
    assert [r.ok for r in many] == [True, False, True]
    assert many[1].code == "INVALID_DATA" and many.ids == [ids[1], None, ids[2]]
    stored = fake.records("Leads")
    assert {stored[i]["Owner"]["email"] for i in ids} == {"olive.owner@example.com"}


async def test_related_activities_follow_the_record(fake: FakeZohoCRM, crm: zc.ZohoCRM) -> None:
    accounts = crm.records("Accounts")
    account = (await accounts.create([{"Account_Name": "Acme"}])).ids[0] or ""
    tasks = await crm.records("Tasks").create(
        [
            {"Subject": "Call back", "What_Id": {"id": account}, "$se_module": "Accounts"},
            {"Subject": "Unrelated"},
        ]
    )
    owner = fake.add_user("tom.tasks@example.com")
    await accounts.change_owner(account, owner["id"], related_modules=["Tasks"])
    stored = fake.records("Tasks")
    assert stored[tasks.ids[0] or ""]["Owner"]["id"] == owner["id"]
    assert stored[tasks.ids[1] or ""]["Owner"]["id"] != owner["id"]


async def test_an_unknown_or_inactive_owner_is_refused_by_zoho(
    fake: FakeZohoCRM, crm: zc.ZohoCRM
) -> None:
    lead = (await crm.records("Leads").create([{"Last_Name": "Kept"}])).ids[0] or ""
    gone = fake.add_user("gone.user@example.com", status="disabled")
    for owner in (MISSING, gone["id"]):
        with pytest.raises(zc.APIError) as refused:
            await crm.records("Leads").change_owner(lead, owner)
        assert refused.value.details == {"api_name": "owner", "json_path": "$.owner"}


async def test_mass_change_owner_of_a_view_runs_as_a_job(
    fake: FakeZohoCRM, crm: zc.ZohoCRM
) -> None:
    leads = crm.records("Leads")
    other = fake.add_user("ann.other@example.com")
    fake.add_records("Leads", [{"Last_Name": "Theirs"}], owner_email="ann.other@example.com")
    await leads.create([{"Last_Name": n} for n in "ABC"])
    newcomer = fake.add_user("nina.new@example.com")
    job = await leads.mass_change_owner(newcomer["id"], cvid=await _view(crm, "Leads", "MYVIEWS"))
    status = await leads.mass_change_owner_status(job)
    assert (status.status, status.total_count, status.updated_count) == ("COMPLETED", 3, 3)
    assert (await leads.wait_for_job("mass_change_owner", job, poll=FAST)).done
    owners = {r["Last_Name"]: r["Owner"]["id"] for r in fake.records("Leads").values()}
    assert owners == {
        "A": newcomer["id"],
        "B": newcomer["id"],
        "C": newcomer["id"],
        "Theirs": other["id"],
    }


async def test_mass_change_owner_narrowed_by_criteria_and_territory(
    fake: FakeZohoCRM, crm: zc.ZohoCRM
) -> None:
    accounts = crm.records("Accounts")
    ids = [
        i or ""
        for i in (
            await accounts.create([{"Account_Name": n} for n in ("North", "South", "Nowhere")])
        ).ids
    ]
    [root] = [t.id or "" async for t in crm.territories.list()]
    emea = (await crm.territories.create([{"name": "EMEA", "reporting_to": {"id": root}}])).ids[0]
    sub = (await crm.territories.create([{"name": "UK", "reporting_to": {"id": emea}}])).ids[0]
    await accounts.assign_territories(ids[0], emea or "")
    await accounts.assign_territories(ids[1], sub or "")
    owner = fake.add_user("terri.tory@example.com")
    everything = await _view(crm, "Accounts", "ALLVIEWS")
    job = await accounts.mass_change_owner(owner["id"], cvid=everything, territory_id=emea or "")
    assert (await accounts.mass_change_owner_status(job)).updated_count == 1
    job = await accounts.mass_change_owner(
        owner["id"], cvid=everything, territory_id=emea or "", include_child=True
    )
    assert (await accounts.mass_change_owner_status(job)).updated_count == 2
    job = await accounts.mass_change_owner(
        owner["id"],
        cvid=everything,
        criteria={
            "field": {"api_name": "Account_Name"},
            "comparator": "starts_with",
            "value": "No",
        },
    )
    assert (await accounts.mass_change_owner_status(job)).updated_count == 2  # North, Nowhere
    assert all(r["Owner"]["id"] == owner["id"] for r in fake.records("Accounts").values())


async def test_mass_change_owner_came_with_v4(crm_v2: zc.ZohoCRM) -> None:
    with pytest.raises(zc.APIError) as refused:
        await crm_v2.records("Leads").mass_change_owner("1", cvid="2")
    assert refused.value.code == "API_NOT_SUPPORTED"


async def test_an_unknown_view_or_job(crm: zc.ZohoCRM) -> None:
    leads = crm.records("Leads")
    with pytest.raises(zc.APIError) as refused:
        await leads.mass_change_owner((await crm.users.current()).id or "", cvid=MISSING)
    assert refused.value.details["api_name"] == "cvid"
    with pytest.raises(zc.EmptyResultError, match="no mass_change_owner job"):
        await leads.mass_change_owner_status(MISSING)


async def test_waiting_for_a_mass_update_job(crm: zc.ZohoCRM) -> None:
    leads = crm.records("Leads")
    await leads.create([{"Last_Name": "Waited"}])
    job = await leads.mass_update({"Company": "X"}, cvid=await _view(crm, "Leads", "ALLVIEWS"))
    status = await leads.wait_for_job("mass_update", job, poll=FAST)
    assert (status.status, status.updated_count) == ("COMPLETED", 1)


async def test_bad_input_is_refused_before_sending(fake: FakeZohoCRM, crm: zc.ZohoCRM) -> None:
    leads = crm.records("Leads")
    sent = fake.stats.api_requests
    with pytest.raises(zc.InvalidArgumentError, match="owner id 'olive'"):
        await leads.change_owner("1", "olive")
    with pytest.raises(zc.InvalidArgumentError, match=r"related_modules\[0\] 'to do'"):
        await leads.change_owner("1", "2", related_modules=["to do"])
    with pytest.raises(zc.InvalidArgumentError, match="no record ids given"):
        await leads.change_owner([], "2")
    with pytest.raises(zc.InvalidArgumentError, match="include_child needs territory_id"):
        await leads.mass_change_owner("2", cvid="3", include_child=True)
    with pytest.raises(zc.InvalidArgumentError, match="criteria must be a criteria object"):
        await leads.mass_change_owner("2", cvid="3", criteria="(Last_Name:equals:X)")  # type: ignore[arg-type]
    with pytest.raises(zc.InvalidArgumentError, match="action must be one of"):
        await leads.wait_for_job("mass_explode", "1")  # type: ignore[arg-type]
    assert fake.stats.api_requests == sent

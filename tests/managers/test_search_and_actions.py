"""Search with the builder, deleted records, mass update, lead conversion, blueprint."""

from __future__ import annotations

import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

pytestmark = pytest.mark.anyio


async def test_search_with_builder_finds_values_with_special_characters(
    any_crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    fake.add_records(
        "Leads",
        [
            {"Last_Name": "Burns", "Company": "Burns,B (Ltd)"},
            {"Last_Name": "Other", "Company": "Burns"},
        ],
    )
    leads = any_crm.records("Leads")
    crit = zc.Criteria("Company", "equals", "Burns,B (Ltd)")
    found = [r["Last_Name"] async for r in leads.search(crit, fields=["Last_Name"])]
    assert found == ["Burns"]
    assert await leads.count(criteria=crit) == 1


async def test_search_raw_criteria_with_parenthesis_fails_before_any_request(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    fake.stats.reset()
    with pytest.raises(ValueError, match="value 'Burns \\(Ltd\\)'"):
        crm.records("Leads").search("(Company:equals:Burns (Ltd))")
    assert fake.stats.api_requests == 0


async def test_deleted_records_by_type(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    ids = fake.add_records("Leads", [{"Last_Name": "A"}, {"Last_Name": "B"}])
    leads = crm.records("Leads")
    (await leads.delete(ids)).raise_for_failures()
    deleted = [r async for r in leads.deleted()]
    assert sorted(r.id for r in deleted) == sorted(ids)
    assert {r["type"] for r in deleted} == {"recycle"}
    assert [r async for r in leads.deleted(type="permanent")] == []
    with pytest.raises(ValueError, match="'all', 'recycle' or 'permanent'"):
        leads.deleted(type="bin")  # type: ignore[arg-type]


async def test_mass_update_by_ids_gives_per_record_results(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    ids = fake.add_records("Leads", [{"Last_Name": f"L{i}"} for i in range(150)])
    result = await crm.records("Leads").mass_update(
        {"City": "Paris"}, ids=[*ids, "5725767000000999999"]
    )
    assert len(result) == 151
    assert [r.id for r in result.succeeded] == ids
    assert result[150].code == "INVALID_DATA"
    assert {r["City"] for r in fake.records("Leads").values()} == {"Paris"}


async def test_mass_update_by_custom_view_is_a_job(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    fake.add_records("Leads", [{"Last_Name": "A"}, {"Last_Name": "B"}])
    leads = crm.records("Leads")
    job_id = await leads.mass_update({"Rating": "Active"}, cvid="5725767000000000001")
    status = await leads.mass_update_status(job_id)
    assert status.done and status.updated_count == 2 and status.total_count == 2
    assert {r["Rating"] for r in fake.records("Leads").values()} == {"Active"}
    with pytest.raises(ValueError, match="exactly one of ids= or cvid="):
        await leads.mass_update({"City": "x"})


async def test_an_unknown_or_bad_mass_update_job(crm: zc.ZohoCRM) -> None:
    leads = crm.records("Leads")
    unknown = "5725767000000999999"
    with pytest.raises(zc.APIError) as refused:  # Zoho refuses a job id it never gave
        await leads.mass_update_status(unknown)
    assert refused.value.details == {"param": "job_id"}
    with pytest.raises(zc.InvalidArgumentError, match="mass update job id 'latest'"):
        await leads.mass_update_status("latest")


async def test_convert_lead_creates_contact_account_and_deal(
    any_crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    (lead_id,) = fake.add_records(
        "Leads", [{"First_Name": "Ada", "Last_Name": "Lovelace", "Company": "Engines"}]
    )
    leads = any_crm.records("Leads")
    deal = {"Deal_Name": "Engine", "Stage": "Qualification", "Closing_Date": "2030-01-01"}
    result = await leads.convert(lead_id, deal=deal)
    contact = fake.records("Contacts")[result.contact_id or ""]
    assert contact["Last_Name"] == "Lovelace"
    assert contact["Account_Name"]["id"] == result.account_id
    assert fake.records("Accounts")[result.account_id or ""]["Account_Name"] == "Engines"
    stored_deal = fake.records("Deals")[result.deal_id or ""]
    assert stored_deal["Contact_Name"]["id"] == result.contact_id
    with pytest.raises(zc.APIError) as error:
        await leads.convert(lead_id)
    assert error.value.code == "ID_ALREADY_CONVERTED"


async def test_convert_without_deal_and_only_on_leads(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    (lead_id,) = fake.add_records("Leads", [{"Last_Name": "Solo"}])
    result = await crm.records("Leads").convert(lead_id)
    assert result.contact_id and result.account_id is None and result.deal_id is None
    with pytest.raises(ValueError, match="only Leads"):
        await crm.records("Contacts").convert(lead_id)


async def test_blueprint_moves_a_deal_through_its_stages(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    (deal_id,) = fake.add_records(
        "Deals",
        [{"Deal_Name": "D", "Stage": "Negotiation/Review", "Closing_Date": "2030-01-01"}],
    )
    deals = crm.records("Deals")
    blueprint = await deals.blueprint(deal_id)
    assert blueprint["process_info"]["field_value"] == "Negotiation/Review"
    (transition,) = blueprint["transitions"]
    assert transition["next_field_value"] == "Closed Won"
    with pytest.raises(zc.APIError) as error:
        await deals.update_blueprint(deal_id, transition["id"])
    assert error.value.code == "MANDATORY_NOT_FOUND" and error.value.details["api_name"] == "Amount"
    result = await deals.update_blueprint(deal_id, transition["id"], {"Amount": 1000})
    assert result.ok
    assert fake.records("Deals")[deal_id]["Stage"] == "Closed Won"
    assert (await deals.blueprint(deal_id))["transitions"] == []


async def test_blueprint_of_a_record_outside_any_process(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    (lead_id,) = fake.add_records("Leads", [{"Last_Name": "X"}])
    with pytest.raises(zc.APIError) as error:
        await crm.records("Leads").blueprint(lead_id)
    assert error.value.code == "RECORD_NOT_IN_PROCESS"

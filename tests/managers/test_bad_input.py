"""Bad input: each a clear error naming the offending value, client-side where it can be."""

from __future__ import annotations

import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

pytestmark = pytest.mark.anyio


async def test_module_name_that_cannot_be_one(crm: zc.ZohoCRM) -> None:
    with pytest.raises(ValueError, match="module 'Lead s'"):
        crm.records("Lead s")


async def test_unknown_module_is_zoho_invalid_module(crm: zc.ZohoCRM) -> None:
    with pytest.raises(zc.APIError) as error:
        await crm.records("Spaceships").related(
            "5725767000000000001", "Notes", fields=["Note_Title"]
        )
    assert error.value.code == "INVALID_MODULE"
    with pytest.raises(zc.APIError) as error:
        await crm.records("Spaceships").mass_update({"A": 1}, ids=["1"])
    assert error.value.code == "INVALID_MODULE"


@pytest.mark.parametrize("bad_id", ["abc", "12-34", "", None, 1.5])
async def test_ids_that_are_not_zoho_ids(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, bad_id: object
) -> None:
    leads = crm.records("Leads")
    fake.stats.reset()
    for call in (
        lambda: leads.attachments(bad_id),  # type: ignore[arg-type]
        lambda: leads.notes(bad_id),  # type: ignore[arg-type]
    ):
        with pytest.raises(ValueError, match=f"{bad_id!r} is not a Zoho id"):
            call()
    with pytest.raises(ValueError, match=f"{bad_id!r} is not a Zoho id"):
        await leads.add_tags([bad_id], ["x"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match=f"{bad_id!r} is not a Zoho id"):
        await leads.convert(bad_id)  # type: ignore[arg-type]
    assert fake.stats.api_requests == 0


async def test_101_tag_names_is_a_client_error_naming_the_count(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    (lead,) = fake.add_records("Leads", [{"Last_Name": "A"}])
    fake.stats.reset()
    names = [f"tag{i}" for i in range(101)]
    with pytest.raises(ValueError, match="101 tags given; Zoho accepts at most 10"):
        await crm.records("Leads").add_tags([lead], names)
    with pytest.raises(ValueError, match=r"tag name 'x{26}'"):
        await crm.records("Leads").add_tags([lead], ["x" * 26])
    assert fake.stats.api_requests == 0


async def test_fake_refuses_eleven_tags_too(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    (lead,) = fake.add_records("Leads", [{"Last_Name": "A"}])
    body = {"tags": [{"name": f"t{i}"} for i in range(11)], "ids": [lead]}
    with pytest.raises(zc.APIError) as error:
        await crm.request("POST", "Leads/actions/add_tags", json=body)
    assert error.value.code == "LIMIT_EXCEEDED" and error.value.details["limit"] == 10


async def test_v2_tag_names_with_commas_are_refused(crm_v2: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    (lead,) = fake.add_records("Leads", [{"Last_Name": "A"}])
    with pytest.raises(ValueError, match="without commas"):
        await crm_v2.records("Leads").add_tags([lead], ["a,b"])


async def test_criteria_value_with_parentheses(crm: zc.ZohoCRM) -> None:
    with pytest.raises(ValueError, match="value 'O\\(Brien\\)'"):
        await crm.records("Leads").count(criteria="(Last_Name:equals:O(Brien))")


async def test_an_unreadable_answer_fails_its_own_chunk_and_no_other(
    fake: FakeZohoCRM, crm: zc.ZohoCRM
) -> None:
    fake.malformed_next(path="/Leads")  # one chunk's answer is an HTML page, not JSON
    rows = [{"Last_Name": f"Unreadable {i}"} for i in range(150)]
    result = await crm.records("Leads").create(rows)
    assert [r.index for r in result] == list(range(150))  # every record accounted for
    failed = [r.index for r in result.failed]
    assert failed in (list(range(100)), list(range(100, 150)))
    assert {r.code for r in result.failed} == {"MALFORMED_RESPONSE"}
    assert all("may not be written" in r.message for r in result.failed)
    assert len(fake.records("Leads")) == 150 - len(failed)


async def test_a_one_chunk_write_with_an_unreadable_answer_raises_that_error(
    fake: FakeZohoCRM, crm: zc.ZohoCRM
) -> None:
    fake.malformed_next(path="/Leads")
    with pytest.raises(zc.APIError) as info:
        await crm.records("Leads").create([{"Last_Name": "Unreadable"}])
    assert info.value.code == "MALFORMED_RESPONSE"

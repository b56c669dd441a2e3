"""Notes (the v2 and v8 Parent_Id shapes) and tags (v2 query parameters vs v3+ JSON body)."""

from __future__ import annotations

import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

pytestmark = pytest.mark.anyio


@pytest.fixture
def lead_id(fake: FakeZohoCRM) -> str:
    return fake.add_records("Leads", [{"Last_Name": "Noted"}])[0]


async def test_notes_on_a_record_both_versions(
    any_crm: zc.ZohoCRM, fake: FakeZohoCRM, lead_id: str
) -> None:
    notes = any_crm.records("Leads").notes(lead_id)
    created = await notes.add("first call", title="Call")
    assert created.ok
    (note,) = [n async for n in notes.list()]
    assert (note.title, note.content) == ("Call", "first call")
    assert (note.parent_module, note.parent_id) == ("Leads", lead_id)
    assert fake.records("Notes")[note.id or ""]["Parent_Id"]["id"] == lead_id
    note.content = "second call"
    assert (await any_crm.notes.update([note]))[0].ok
    assert (await any_crm.notes.get(note.id or "")).content == "second call"
    assert (await any_crm.notes.delete(note.id or ""))[0].ok
    assert [n async for n in notes.list()] == []


async def test_notes_module_create_list_in_either_input_shape(
    any_crm: zc.ZohoCRM, fake: FakeZohoCRM, lead_id: str
) -> None:
    (contact,) = fake.add_records("Contacts", [{"Last_Name": "C"}])
    result = await any_crm.notes.create(
        [
            {"Note_Content": "v2 shape", "Parent_Id": lead_id, "se_module": "Leads"},
            {
                "Note_Content": "v8 shape",
                "Parent_Id": {"module": {"api_name": "Contacts"}, "id": contact},
            },
            zc.Note(content="model", parent_module="Leads", parent_id=lead_id),
        ]
    )
    assert [r.ok for r in result] == [True, True, True]
    listed = {n.content: n async for n in any_crm.notes.list()}
    assert listed["v8 shape"].parent_module == "Contacts"
    assert listed["v2 shape"].parent_id == lead_id


async def test_fake_holds_each_version_to_its_parent_shape(
    crm: zc.ZohoCRM, crm_v2: zc.ZohoCRM, lead_id: str
) -> None:
    v2_body = {"data": [{"Note_Content": "x", "Parent_Id": lead_id, "se_module": "Leads"}]}
    v8_body = {
        "data": [
            {"Note_Content": "x", "Parent_Id": {"module": {"api_name": "Leads"}, "id": lead_id}}
        ]
    }
    with pytest.raises(zc.APIError) as on_v8:
        await crm.request("POST", "Notes", json=v2_body)
    assert on_v8.value.details["expected_data_type"] == "jsonobject"
    with pytest.raises(zc.APIError) as on_v2:
        await crm_v2.request("POST", "Notes", json=v8_body)
    assert on_v2.value.details["api_name"] == "Parent_Id"
    v2_note = await crm_v2.request("GET", "Notes")
    assert v2_note is None  # nothing was created by the refused calls
    await crm_v2.request("POST", "Notes", json=v2_body)
    listed = await crm_v2.request("GET", "Notes")
    assert listed["data"][0]["Parent_Id"] == {"name": "Noted", "id": lead_id}
    assert listed["data"][0]["$se_module"] == "Leads"
    v8 = await crm.request("GET", "Notes", params={"fields": "Parent_Id,Note_Content"})
    assert v8["data"][0]["Parent_Id"]["module"]["api_name"] == "Leads"


async def test_note_without_parent_is_a_client_error(crm: zc.ZohoCRM) -> None:
    with pytest.raises(ValueError, match="notes\\[0\\] has no parent"):
        await crm.notes.create([{"Note_Content": "orphan"}])


async def test_tag_records_and_module_tags(any_crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    ids = fake.add_records("Leads", [{"Last_Name": "A"}, {"Last_Name": "B"}])
    leads = any_crm.records("Leads")
    result = await leads.add_tags(ids, ["Hot", "Webinar"])
    assert [r.message for r in result] == ["tags updated successfully"] * 2
    assert [t["name"] for t in fake.records("Leads")[ids[0]]["Tag"]] == ["Hot", "Webinar"]
    tags = {t.name: t for t in await any_crm.tags.list("Leads")}
    assert set(tags) == {"Hot", "Webinar"}
    await leads.remove_tags([ids[1]], "Hot")
    assert [t["name"] for t in fake.records("Leads")[ids[1]]["Tag"]] == ["Webinar"]
    await leads.add_tags([ids[1]], ["Cold"], over_write=True)
    assert [t["name"] for t in fake.records("Leads")[ids[1]]["Tag"]] == ["Cold"]


async def test_fake_holds_each_version_to_its_tag_shape(
    crm: zc.ZohoCRM, crm_v2: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    (lead,) = fake.add_records("Leads", [{"Last_Name": "A"}])
    query = {"ids": lead, "tag_names": "Hot"}
    body = {"tags": [{"name": "Hot"}], "ids": [lead]}
    with pytest.raises(zc.APIError) as on_v8:
        await crm.request("POST", "Leads/actions/add_tags", params=query)
    assert on_v8.value.code == "INVALID_DATA"
    assert on_v8.value.details == {"expected_data_type": "jsonobject"}
    with pytest.raises(zc.APIError) as on_v2:
        await crm_v2.request("POST", "Leads/actions/add_tags", json=body)
    assert on_v2.value.details == {"param": "tag_names"}
    assert "Tag" not in fake.records("Leads")[lead]


async def test_module_tags_create_update_merge_delete(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    created = await crm.tags.create("Leads", ["Alpha", zc.Tag(name="Beta", color_code="#57B1FD")])
    assert [r.ok for r in created] == [True, True]
    alpha, beta = (r.id or "" for r in created)
    duplicate = await crm.tags.create("Leads", ["alpha", "Gamma"])
    assert [r.code for r in duplicate] == ["DUPLICATE_DATA", "SUCCESS"]
    assert (await crm.tags.update("Leads", alpha, name="Alpha2")).ok
    (lead,) = fake.add_records("Leads", [{"Last_Name": "A"}])
    await crm.records("Leads").add_tags(lead, [zc.Tag(id=alpha)])
    merged = await crm.tags.merge(alpha, into=beta)
    assert merged.ok
    assert [t["id"] for t in fake.records("Leads")[lead]["Tag"]] == [beta]
    assert {t.name for t in await crm.tags.list("Leads")} == {"Beta", "Gamma"}
    assert (await crm.tags.delete(beta)).ok
    assert fake.records("Leads")[lead]["Tag"] == []

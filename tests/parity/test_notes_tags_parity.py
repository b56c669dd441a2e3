"""Notes and tags on v2 and v8: the wire shapes differ (reference §2.7, §6), the results do not.

Notes: ``Parent_Id`` is an id string beside ``se_module`` up to v4, an object
``{"module": {"api_name"}, "id"}`` from v6. Tags: ``add_tags``/``remove_tags`` take query
parameters on v2/v2.1 and a JSON body from v3.
"""

from __future__ import annotations

import json

import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

from .conftest import Wire

pytestmark = pytest.mark.anyio


async def test_notes_send_the_parent_in_the_versions_shape(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, wire: Wire, api_version: str
) -> None:
    [lead] = fake.add_records("Leads", [{"Last_Name": "Noted"}])
    added = await crm.records("Leads").notes(lead).add("Called back", title="Call")
    assert added.ok
    [post] = wire.to("/Notes", "POST")
    [sent] = json.loads(post.content)["data"]
    if api_version == "v2":
        assert sent["Parent_Id"] == lead
        assert sent["se_module"] == "Leads"
    else:
        assert sent["Parent_Id"] == {"module": {"api_name": "Leads"}, "id": lead}
        assert "se_module" not in sent
    assert sent["Note_Content"] == "Called back"


async def test_notes_read_back_the_same_on_both_versions(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    [lead] = fake.add_records("Leads", [{"Last_Name": "Noted"}])
    await crm.notes.add("First", parent_module="Leads", parent_id=lead)
    await crm.records("Leads").notes(lead).add("Second")
    notes = [n async for n in crm.records("Leads").notes(lead).list()]
    assert sorted(n.content or "" for n in notes) == ["First", "Second"]
    assert {(n.parent_module, n.parent_id) for n in notes} == {("Leads", lead)}
    one = await crm.notes.get(notes[0].id or "")
    assert (one.parent_module, one.parent_id) == ("Leads", lead)


async def test_tags_travel_as_query_params_on_v2_and_as_a_body_on_v8(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, wire: Wire, api_version: str
) -> None:
    ids = fake.add_records("Leads", [{"Last_Name": "A"}, {"Last_Name": "B"}])
    result = await crm.records("Leads").add_tags(ids, ["Hot", "Expo"])
    assert [r.ok for r in result] == [True, True]
    [post] = wire.to("/Leads/actions/add_tags", "POST")
    if api_version == "v2":
        assert post.url.params["ids"] == ",".join(ids)
        assert post.url.params["tag_names"] == "Hot,Expo"
        assert post.content == b""
    else:
        body = json.loads(post.content)
        assert body["ids"] == ids
        assert [t["name"] for t in body["tags"]] == ["Hot", "Expo"]
        assert "tag_names" not in post.url.params
    for record_id in ids:
        assert {t["name"] for t in fake.records("Leads")[record_id]["Tag"]} == {"Hot", "Expo"}


async def test_removing_tags_is_symmetric_on_both_versions(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, wire: Wire, api_version: str
) -> None:
    ids = fake.add_records("Leads", [{"Last_Name": "A"}])
    leads = crm.records("Leads")
    await leads.add_tags(ids, ["Hot", "Cold"])
    removed = await leads.remove_tags(ids, ["Cold"])
    assert removed[0].ok
    [post] = wire.to("/Leads/actions/remove_tags", "POST")
    assert ("tag_names" in post.url.params) == (api_version == "v2")
    assert {t["name"] for t in fake.records("Leads")[ids[0]]["Tag"]} == {"Hot"}

"""Per-record extras: rich-text full data, related-records counts, record locks, sharing."""

from __future__ import annotations

import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

from .conftest import leads, requests_to

pytestmark = pytest.mark.anyio

LONG_HTML = "<p>" + "<b>rich</b> text " * 2500 + "</p>"  # 42,507 characters


# -- rich text ------------------------------------------------------------------------------------


@pytest.fixture
def rich(fake: FakeZohoCRM) -> FakeZohoCRM:
    fake.add_field("Leads", "Story", "rich_text")
    fake.add_field("Leads", "Summary", "rich_text")
    return fake


async def test_rich_text_reads_the_whole_html_of_a_record(
    crm: zc.ZohoCRM, rich: FakeZohoCRM
) -> None:
    (lead,) = rich.add_records(
        "Leads", [{"Last_Name": "R", "Story": LONG_HTML, "Summary": "<i>s</i>"}]
    )
    record = await crm.records("Leads").rich_text(lead)
    assert record.id == lead and record["Story"] == LONG_HTML
    assert set(record) == {"id", "Story", "Summary"}  # rich-text fields only
    only = await crm.records("Leads").rich_text(lead, fields=["Summary"])
    assert set(only) == {"id", "Summary"}


async def test_rich_text_of_a_missing_record_is_no_record(
    crm: zc.ZohoCRM, rich: FakeZohoCRM
) -> None:
    with pytest.raises(zc.EmptyResultError, match="no Leads record with id 5725767000000000001"):
        await crm.records("Leads").rich_text("5725767000000000001")


async def test_a_field_that_is_not_rich_text_is_refused_by_zoho(
    crm: zc.ZohoCRM, rich: FakeZohoCRM
) -> None:
    (lead,) = rich.add_records("Leads", [{"Last_Name": "R"}])
    with pytest.raises(zc.APIError) as caught:
        await crm.records("Leads").rich_text(lead, fields=["Last_Name"])
    assert caught.value.code == "INVALID_DATA"
    assert caught.value.details["api_name"] == "Last_Name"


async def test_rich_text_many_reads_200_per_call_in_input_order(
    crm: zc.ZohoCRM, rich: FakeZohoCRM
) -> None:
    ids = rich.add_records(
        "Leads", [{"Last_Name": f"R{n}", "Story": f"<p>{n}</p>"} for n in range(450)]
    )
    rich.stats.reset()
    records = await crm.records("Leads").rich_text_many(reversed(ids), fields=["Story"])
    assert [r.id for r in records] == list(reversed(ids))
    assert records[-1]["Story"] == "<p>0</p>"
    assert requests_to(rich, "GET /crm/{version}/{module}/actions/fetch_full_data") == 3


async def test_rich_text_many_needs_fields(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    with pytest.raises(zc.InvalidArgumentError, match="rich_text_many needs fields"):
        await crm.records("Leads").rich_text_many(["5725767000000000001"], fields=None)  # type: ignore[arg-type]


async def test_rich_text_is_not_served_before_api_v6(crm_v2: zc.ZohoCRM, rich: FakeZohoCRM) -> None:
    (lead,) = rich.add_records("Leads", [{"Last_Name": "R", "Story": "<p>x</p>"}])
    with pytest.raises(zc.NotFoundError):
        await crm_v2.records("Leads").rich_text(lead)


# -- related records count ------------------------------------------------------------------------


async def test_related_count_per_related_list(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    (account,) = fake.add_records("Accounts", [{"Account_Name": "Counted"}])
    fake.add_records(
        "Contacts", [{"Last_Name": f"C{n}", "Account_Name": {"id": account}} for n in range(3)]
    )
    await crm.records("Accounts").notes(account).add("a note")
    await crm.records("Accounts").attachments(account).upload(b"x", filename="x.txt")
    counts = await crm.records("Accounts").related_count(
        account, ["Contacts", "Notes", "Attachments", "Deals"]
    )
    assert counts == {"Contacts": 3, "Notes": 1, "Attachments": 1, "Deals": 0}


async def test_more_than_20_related_lists_are_counted_in_further_calls(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    (account,) = fake.add_records("Accounts", [{"Account_Name": "Many"}])
    names = ["Contacts", "Notes"] * 15  # 30 names: two calls
    fake.stats.reset()
    counts = await crm.records("Accounts").related_count(account, names)
    assert counts == {"Contacts": 0, "Notes": 0}
    route = "POST /crm/{version}/{module}/{id}/actions/get_related_records_count"
    assert requests_to(fake, route) == 2


async def test_a_related_list_zoho_refuses_raises_naming_it(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    (lead,) = fake.add_records("Leads", [{"Last_Name": "L"}])
    with pytest.raises(zc.APIError) as caught:
        await crm.records("Leads").related_count(lead, ["Notes", "Spaceships"])
    assert caught.value.code == "INVALID_DATA"
    assert "get_related_records_count[1]" in caught.value.details["json_path"]


async def test_related_count_checks_its_arguments(crm: zc.ZohoCRM) -> None:
    leads_ = crm.records("Leads")
    with pytest.raises(zc.InvalidArgumentError, match="at least one related list"):
        await leads_.related_count("5725767000000000001", [])
    with pytest.raises(zc.InvalidArgumentError, match="not a module API name"):
        await leads_.related_count("5725767000000000001", ["Bad name"])


async def test_related_count_is_an_api_of_v8(crm_v2: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    (lead,) = fake.add_records("Leads", [{"Last_Name": "L"}])
    with pytest.raises(zc.NotFoundError):
        await crm_v2.records("Leads").related_count(lead, "Notes")


# -- locks ----------------------------------------------------------------------------------------


async def test_a_locked_record_refuses_edits_until_unlocked(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    (lead,) = fake.add_records("Leads", leads(1))
    records = crm.records("Leads")
    locks = records.locks(lead)
    locked = await locks.lock(reason="legal hold")
    assert locked.ok and locked.id
    [refused] = await records.update([{"id": lead, "Company": "Changed"}])
    assert refused.code == "RECORD_LOCKED" and refused.details == {"id": lead, "action": "edit"}
    [not_deleted] = await records.delete([lead])
    assert not_deleted.code == "RECORD_LOCKED"
    again = await locks.lock()
    assert not again.ok and again.code == "RECORD_LOCKED"
    [lock] = await locks.list().to_list()
    assert lock.id == locked.id and lock.reason == "legal hold" and lock.source == "Manual"
    assert lock.locked_by is not None and lock.locked_by.email == fake.user_email
    assert (await locks.update(str(locked.id), reason="still on hold")).ok
    assert (await locks.get(str(locked.id))).reason == "still on hold"
    assert (await locks.unlock(str(locked.id))).ok
    assert await locks.list().to_list() == []
    [updated] = await records.update([{"id": lead, "Company": "Changed"}])
    assert updated.ok


async def test_lock_reasons_are_checked(crm: zc.ZohoCRM) -> None:
    locks = crm.records("Leads").locks("5725767000000000001")
    with pytest.raises(zc.InvalidArgumentError, match="at most 255 characters"):
        await locks.lock(reason="x" * 256)


async def test_a_lock_of_another_record_is_not_found(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    first, second = fake.add_records("Leads", leads(2))
    locked = await crm.records("Leads").locks(first).lock()
    with pytest.raises(zc.APIError) as caught:
        await crm.records("Leads").locks(second).get(str(locked.id))
    assert caught.value.code == "INVALID_DATA"


# -- sharing --------------------------------------------------------------------------------------


async def test_share_list_update_and_revoke(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    bob = fake.add_user("bob@example.com")
    carol = fake.add_user("carol@example.com")
    (lead,) = fake.add_records("Leads", leads(1))
    sharing = crm.records("Leads").sharing(lead)
    shareable = {u.email for u in await sharing.shareable_users()}
    assert {"bob@example.com", "carol@example.com"} <= shareable
    results = await sharing.share([bob["id"]], permission="read_write", share_related_records=True)
    assert results[0].ok and results[0].message == "record will be shared successfully"
    results = await sharing.share(
        [{"user": {"id": carol["id"]}, "permission": "full_access"}], notify=True
    )
    assert results[0].ok
    shares = {s.user.email: s for s in await sharing.list() if s.user is not None}
    assert shares["bob@example.com"].permission == "read_write"
    assert shares["bob@example.com"].share_related_records is True
    assert shares["carol@example.com"].permission == "full_access"
    [only_bob] = await sharing.list(user_id=bob["id"])
    assert only_bob.user is not None and only_bob.user.id == bob["id"]
    await sharing.update([bob["id"]], permission="read_only")
    assert (await sharing.list(user_id=bob["id"]))[0].permission == "read_only"
    revoked = await sharing.revoke()
    assert revoked.ok and revoked.message == "Sharing Revoked"
    assert await sharing.list() == []


async def test_sharing_twice_or_updating_an_unshared_user_fails_per_user(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    bob, carol = fake.add_user("bob@example.com"), fake.add_user("carol@example.com")
    (lead,) = fake.add_records("Leads", leads(1))
    sharing = crm.records("Leads").sharing(lead)
    await sharing.share([bob["id"]])
    twice = await sharing.share([bob["id"], carol["id"]])
    assert [r.ok for r in twice] == [False, True]
    assert twice[0].code == "DUPLICATE_DATA"
    unknown = await sharing.update(["5725767000009999999"])
    assert not unknown[0].ok


async def test_share_arguments_are_checked(crm: zc.ZohoCRM) -> None:
    sharing = crm.records("Leads").sharing("5725767000000000001")
    with pytest.raises(zc.InvalidArgumentError, match=r"1\.\.10 users per call"):
        await sharing.share([str(5725767000000000100 + n) for n in range(11)])
    with pytest.raises(zc.InvalidArgumentError, match="permission must be one of"):
        await sharing.share(["5725767000000000100"], permission="owner")  # type: ignore[arg-type]
    with pytest.raises(zc.InvalidArgumentError, match=r"users\[0\]\['user'\]\['id'\]"):
        await sharing.share([{"permission": "read_only"}])

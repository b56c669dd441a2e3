"""A record's timeline (paged by page token) and the audit log export (a polled job whose CSV
is downloaded as Bulk Read's results are)."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

from .conftest import make_client, requests_to

pytestmark = pytest.mark.anyio

FAST = zc.PollPolicy(interval=0.001, max_interval=0.002, timeout=5.0)


async def test_the_timeline_lists_the_creation_and_each_update(crm: zc.ZohoCRM) -> None:
    leads = crm.records("Leads")
    [lead] = await leads.create([{"Last_Name": "Boyle", "Company": "Zylker"}])
    await leads.update([{"id": lead.id, "Company": "Zylker Corp", "Phone": "555"}])
    await leads.update([{"id": lead.id, "Company": "Zylker Corp"}])  # no change: no entry
    events = [e async for e in leads.timeline(str(lead.id), sort_order="asc")]
    assert [e.action for e in events] == ["added", "updated"]
    assert events[1].changes == {"Company": ("Zylker", "Zylker Corp"), "Phone": (None, "555")}
    assert events[1].record is not None and events[1].record.id == lead.id
    assert isinstance(events[1].audited_time, datetime)
    assert events[1].done_by is not None and events[1].done_by.name


async def test_the_timeline_pages_by_token_without_per_page(
    fake: FakeZohoCRM, crm: zc.ZohoCRM
) -> None:
    leads = crm.records("Leads")
    [lead] = await leads.create([{"Last_Name": "Paged"}])
    for n in range(6):
        await leads.update([{"id": lead.id, "Phone": f"555-{n}"}])
    fake.stats.reset()
    events = [e async for e in leads.timeline(str(lead.id), per_page=2)]
    assert len(events) == 7 and len({e.id for e in events}) == 7
    assert [e.changes["Phone"][1] for e in events[:6]] == [f"555-{n}" for n in reversed(range(6))]
    assert requests_to(fake, "GET /crm/{version}/{module}/{record_id}/__timeline") == 4
    first = await leads.timeline(str(lead.id), per_page=2)
    assert first.info.next_page_token and first.info.more_records
    # Zoho refuses per_page beside a page token: the pager leaves it out after the first page.
    with pytest.raises(zc.APIError) as error:
        await crm.request(
            "GET",
            f"Leads/{lead.id}/__timeline",
            params={"per_page": 2, "page_token": first.info.next_page_token},
        )
    assert error.value.details["param"] == "per_page"


async def test_timeline_filters_and_details(crm: zc.ZohoCRM) -> None:
    leads = crm.records("Leads")
    [lead] = await leads.create([{"Last_Name": "Filtered"}])
    await leads.update([{"id": lead.id, "Rating": "Active"}])
    only = {"comparator": "equal", "field": {"api_name": "action"}, "value": "updated"}
    page = await leads.timeline(
        str(lead.id), filters=only, include_inner_details=["field_history.field_label"]
    )
    [event] = page.items
    assert event.action == "updated"
    assert event.field_history == [
        {"api_name": "Rating", "_value": {"old": None, "new": "Active"}, "field_label": "Rating"}
    ]


async def test_bad_timeline_arguments(fake: FakeZohoCRM, crm: zc.ZohoCRM) -> None:
    leads = crm.records("Leads")
    with pytest.raises(zc.InvalidArgumentError, match=r"per_page must be 1\.\.200"):
        leads.timeline("5725767000000100001", per_page=500)
    with pytest.raises(zc.InvalidArgumentError, match="sort_order"):
        leads.timeline("5725767000000100001", sort_order="newest")  # type: ignore[arg-type]
    with pytest.raises(zc.APIError) as error:
        await leads.timeline("5725767000000999999")
    assert error.value.code == "INVALID_DATA"


async def test_the_timeline_needs_v5(fake: FakeZohoCRM, fast_retry: zc.RetryPolicy) -> None:
    async with await make_client(fake, fast_retry, "v4") as crm:
        with pytest.raises(zc.InvalidArgumentError, match="v5 or later; this client uses v4"):
            crm.records("Leads").timeline("5725767000000100001")
    async with await make_client(fake, fast_retry, "v5") as crm:
        [lead] = await crm.records("Leads").create([{"Last_Name": "Five"}])
        assert [e.action async for e in crm.records("Leads").timeline(str(lead.id))] == ["added"]


# -- audit log export ----------------------------------------------------------------------------


def _window() -> tuple[datetime, datetime]:
    now = datetime.now(UTC)
    return now - timedelta(hours=1), now + timedelta(hours=1)


async def test_an_export_is_scheduled_polled_and_downloaded(
    fake: FakeZohoCRM, crm: zc.ZohoCRM, tmp_path: Path
) -> None:
    fake.bulk.polls_to_complete = 3
    leads = crm.records("Leads")
    [lead] = await leads.create([{"Last_Name": "Audited"}])
    await leads.update([{"id": lead.id, "Company": "Audit Inc"}])
    await leads.delete([str(lead.id)])
    start, end = _window()
    job = await crm.audit_logs.create_export(start=start, end=end)
    assert job.status == "Scheduled" and not job.done
    polled = await crm.audit_logs.get_export(str(job.id))
    assert polled.status == "Progress" and polled.download_links is None
    done = await crm.audit_logs.wait(job, poll=FAST)
    assert done.status == "Finished" and done.done and done.expiry_date is not None
    [path] = await crm.audit_logs.download(done, tmp_path)
    assert path.name == "AuditLog_001.csv"
    with path.open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert [(r["Action"], r["Record_Id"]) for r in rows] == [
        ("added", lead.id),
        ("updated", lead.id),
        ("deleted", lead.id),
    ]
    assert [j.id for j in await crm.audit_logs.exports()] == [job.id]


async def test_a_record_purged_from_the_recycle_bin_keeps_its_deletion(
    crm: zc.ZohoCRM, tmp_path: Path
) -> None:
    leads = crm.records("Leads")
    [lead] = await leads.create([{"Last_Name": "Purged"}])
    await leads.delete([str(lead.id)])
    await crm.recycle_bin.delete([str(lead.id)])  # gone for good: the fake keeps its deletion
    start, end = _window()
    [path] = await crm.audit_logs.export(tmp_path, start=start, end=end, poll=FAST)
    with path.open(newline="") as file:
        rows = [(r["Action"], r["Record_Id"], r["Record_Name"]) for r in csv.DictReader(file)]
    assert rows == [("deleted", lead.id, "Purged")]


async def test_criteria_select_the_entries(
    fake: FakeZohoCRM, crm: zc.ZohoCRM, tmp_path: Path
) -> None:
    leads = crm.records("Leads")
    [lead] = await leads.create([{"Last_Name": "Criteria"}])
    await leads.update([{"id": lead.id, "Company": "C"}])
    start, end = _window()
    updates = zc.BulkCriteria("action", "equal", "updated")
    [path] = await crm.audit_logs.export(
        tmp_path, start=start, end=end, criteria=updates, poll=FAST
    )
    with path.open(newline="") as file:
        assert [r["Action"] for r in csv.DictReader(file)] == ["updated"]
    future = await crm.audit_logs.create_export(
        start=end + timedelta(days=1), end=end + timedelta(days=2)
    )
    done = await crm.audit_logs.wait(future, poll=FAST)
    [empty] = await crm.audit_logs.download(done, tmp_path, overwrite=True)
    assert empty.read_text().splitlines() == [
        "Audited_Time,User_Name,User_Id,Action,Module,Record_Id,Record_Name,Source"
    ]


async def test_a_failed_or_slow_export_raises_the_bulk_job_errors(
    fake: FakeZohoCRM, crm: zc.ZohoCRM
) -> None:
    start, end = _window()
    fake.bulk.fail_next_job(operation="audit_log_export")
    job = await crm.audit_logs.create_export(start=start, end=end)
    with pytest.raises(zc.BulkJobFailedError) as failed:
        await crm.audit_logs.wait(job, poll=FAST)
    assert failed.value.state == "Failed" and failed.value.operation == "audit log export"
    fake.bulk.polls_to_complete = 1000
    slow = await crm.audit_logs.create_export(start=start, end=end)
    with pytest.raises(zc.BulkJobTimeoutError):
        await crm.audit_logs.wait(
            slow, poll=zc.PollPolicy(interval=0.001, max_interval=0.001, timeout=0.05)
        )


async def test_a_download_that_breaks_off_starts_again(
    fake: FakeZohoCRM, crm: zc.ZohoCRM, tmp_path: Path
) -> None:
    start, end = _window()
    await crm.records("Leads").create([{"Last_Name": "Retried"}])
    done = await crm.audit_logs.wait(
        await crm.audit_logs.create_export(start=start, end=end), poll=FAST
    )
    fake.drop_next(path="/auditlog/")
    [path] = await crm.audit_logs.download(done, tmp_path)
    assert "Retried" in path.read_text()
    assert not list(tmp_path.glob(".*.part"))  # the broken attempt left nothing behind


async def test_export_arguments_are_checked_first(fake: FakeZohoCRM, crm: zc.ZohoCRM) -> None:
    audit = crm.audit_logs
    start, _ = _window()
    with pytest.raises(zc.InvalidArgumentError, match="needs criteria"):
        await audit.create_export()
    with pytest.raises(zc.InvalidArgumentError, match="both start= and end="):
        await audit.create_export(start=start)
    with pytest.raises(zc.InvalidArgumentError, match="naive datetime"):
        await audit.create_export(start=datetime(2024, 1, 1), end=datetime(2024, 1, 2))
    assert await audit.exports() == []  # Zoho's NO_CONTENT: none was ever scheduled
    with pytest.raises(zc.EmptyResultError):
        await audit.get_export("5725767000000999999")
    with pytest.raises(zc.InvalidArgumentError, match="no download links"):
        await audit.download(zc.AuditLogExport(id="1", status="Progress"), ".")
    with pytest.raises(zc.APIError) as error:  # a field Zoho's audit log has not
        await audit.create_export(criteria=zc.BulkCriteria("Last_Name", "equal", "x"))
    assert error.value.code == "INVALID_DATA"


async def test_the_audit_log_export_needs_v7(fake: FakeZohoCRM, fast_retry: zc.RetryPolicy) -> None:
    start, end = _window()
    async with await make_client(fake, fast_retry, "v6") as crm:
        with pytest.raises(zc.InvalidArgumentError, match="v7 or later; this client uses v6"):
            await crm.audit_logs.create_export(start=start, end=end)

"""Bulk Read against the fake: jobs, polling, pages, downloads and their failures."""

from __future__ import annotations

import logging
import time
from contextlib import aclosing
from pathlib import Path
from typing import Any

import anyio
import pytest

import zcrm_async as zc
from zcrm_async.bulk import BulkCriteria, iter_zip_csv
from zcrm_async.testing import FakeZohoCRM

pytestmark = pytest.mark.anyio


def _seed(fake: FakeZohoCRM, count: int) -> list[str]:
    return fake.add_records(
        "Leads",
        [
            {
                "Last_Name": f"Lead {i}",
                "Email": f"lead{i}@example.com",
                "Company": "Zylker" if i % 2 else "Acme",
                "No_of_Employees": i,
            }
            for i in range(count)
        ],
    )


async def test_reads_every_page_in_order(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, poll: zc.PollPolicy
) -> None:
    ids = _seed(fake, 7)
    fake.bulk.limits.read_per_page = 3
    rows = [
        row async for row in crm.bulk.read_rows("Leads", fields=["Last_Name", "Email"], poll=poll)
    ]
    assert [row["id"] for row in rows] == ids
    assert list(rows[0]) == ["id", "Last_Name", "Email"]
    assert rows[6] == {"id": ids[6], "Last_Name": "Lead 6", "Email": "lead6@example.com"}
    jobs = fake.bulk.read_jobs()
    assert [job["result"]["count"] for job in jobs] == [3, 3, 1]
    assert [job["result"]["more_records"] for job in jobs] == [True, True, False]
    assert fake.stats.by_route["POST /crm/bulk/{version}/read"] == 3


async def test_one_page_only(crm: zc.ZohoCRM, fake: FakeZohoCRM, poll: zc.PollPolicy) -> None:
    _seed(fake, 5)
    fake.bulk.limits.read_per_page = 2
    rows = [r async for r in crm.bulk.read_rows("Leads", all_pages=False, poll=poll)]
    assert len(rows) == 2
    second = [r async for r in crm.bulk.read_rows("Leads", page=2, all_pages=False, poll=poll)]
    assert [r["Last_Name"] for r in second] == ["Lead 2", "Lead 3"]


async def test_criteria_are_sent_and_applied(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, poll: zc.PollPolicy
) -> None:
    _seed(fake, 10)
    crit = BulkCriteria("Company", "equal", "Zylker") & (
        BulkCriteria("No_of_Employees", "less_than", 4)
        | BulkCriteria("Last_Name", "ends_with", "9")
    )
    rows = [
        r async for r in crm.bulk.read_rows("Leads", fields=["Last_Name"], criteria=crit, poll=poll)
    ]
    assert [r["Last_Name"] for r in rows] == ["Lead 1", "Lead 3", "Lead 9"]
    assert fake.bulk.read_jobs()[0]["query"]["criteria"] == crit.to_json()


async def test_unknown_criteria_field_is_zohos_error(crm: zc.ZohoCRM) -> None:
    with pytest.raises(zc.APIError) as info:
        await crm.bulk.create_read_job("Leads", criteria=BulkCriteria("Nope", "equal", 1))
    assert info.value.code == "FIELD_IN_CRITERIA_NOT_AVAILABLE"


async def test_state_transitions_and_low_level_api(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, poll: zc.PollPolicy, tmp_path: Path
) -> None:
    _seed(fake, 3)
    fake.bulk.polls_to_complete = 3
    job = await crm.bulk.create_read_job("Leads", fields=["Last_Name"])
    assert job.state == "ADDED" and job.module == "Leads"
    assert (await crm.bulk.get_read_job(job.id)).state == "IN PROGRESS"
    done = await crm.bulk.wait(job, poll=poll)
    assert done.state == "COMPLETED" and done.result is not None
    assert done.result.download_url == f"/crm/bulk/v8/read/{job.id}/result"
    size = await crm.bulk.download(done, tmp_path / "leads.zip")
    assert size == (tmp_path / "leads.zip").stat().st_size > 0
    assert [r["Last_Name"] for r in iter_zip_csv(tmp_path / "leads.zip")] == [
        "Lead 0",
        "Lead 1",
        "Lead 2",
    ]


async def test_polling_timeout_names_job_and_state(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    fake.bulk.polls_to_complete = 10_000
    job = await crm.bulk.create_read_job("Leads")
    policy = zc.PollPolicy(interval=0.01, max_interval=0.02, timeout=0.2)
    started = time.monotonic()
    with pytest.raises(zc.BulkJobTimeoutError) as info:
        await crm.bulk.wait(job, poll=policy)
    assert time.monotonic() - started < 2
    assert info.value.job_id == job.id and info.value.state == "IN PROGRESS"
    assert job.id in str(info.value) and "IN PROGRESS" in str(info.value)


async def test_cancellation_stops_the_wait(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    fake.bulk.polls_to_complete = 10_000
    job = await crm.bulk.create_read_job("Leads")
    started = time.monotonic()
    with anyio.move_on_after(0.1) as scope:
        await crm.bulk.wait(job, poll=zc.PollPolicy(interval=0.01, timeout=None))
    assert scope.cancelled_caught
    assert time.monotonic() - started < 2


async def test_failed_job_raises_naming_it(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, poll: zc.PollPolicy
) -> None:
    fake.bulk.fail_next_job(operation="read")
    with pytest.raises(zc.BulkJobFailedError) as info:
        async for _ in crm.bulk.read_rows("Leads", poll=poll):
            pass
    assert info.value.state == "FAILURE" and info.value.operation == "read"
    assert info.value.job_id in str(info.value)


async def test_drop_mid_download_is_retried_without_duplicates(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, poll: zc.PollPolicy
) -> None:
    ids = _seed(fake, 4)
    fake.stats.reset()
    fake.drop_next(path="/result")
    rows = [r["id"] async for r in crm.bulk.read_rows("Leads", poll=poll)]
    assert rows == ids
    # create + one poll + the dropped download + the one that succeeded
    assert fake.stats.api_requests == 4
    assert fake.stats.by_route["GET /crm/bulk/{version}/read/{job_id}/result"] == 1


async def test_download_that_keeps_breaking_is_a_clear_error(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, poll: zc.PollPolicy
) -> None:
    _seed(fake, 2)
    fake.drop_next(times=50, path="/result")
    with pytest.raises(zc.TransportError) as info:
        async for _ in crm.bulk.read_rows("Leads", poll=poll):
            pytest.fail("no row may be yielded from a broken download")
    job_id = fake.bulk.read_jobs()[0]["id"]
    assert f"bulk read job {job_id}" in str(info.value)


async def test_download_limit_per_minute(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, poll: zc.PollPolicy, tmp_path: Path
) -> None:
    fake.bulk.limits.downloads_per_minute = 2
    job = await crm.bulk.wait(await crm.bulk.create_read_job("Leads"), poll=poll)
    await crm.bulk.download(job, tmp_path / "a.zip")
    await crm.bulk.download(job, tmp_path / "b.zip")
    with pytest.raises(zc.RateLimitError):
        await crm.bulk.download(job, tmp_path / "c.zip")


async def test_progress_and_generated_rows(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, poll: zc.PollPolicy
) -> None:
    _seed(fake, 2)
    fake.bulk.generate_records("Leads", 2500)
    fake.bulk.limits.read_per_page = 1000
    reports: list[tuple[int, int | None, float]] = []
    count = 0
    async for row in crm.bulk.read_rows(
        "Leads", fields=["Email"], poll=poll, progress=lambda *a: reports.append(a)
    ):
        count += 1
        last: dict[str, Any] = row
    assert count == 2502
    assert last["Email"] == "generated2499@example.com"
    assert reports[0][:2] == (0, None)
    assert reports[-1][:2] == (2502, 2502)
    assert [done for done, _, _ in reports] == sorted(done for done, _, _ in reports)
    assert len(fake.records("Leads")) == 2


async def test_stop_early_with_aclosing(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, poll: zc.PollPolicy
) -> None:
    _seed(fake, 5)
    async with aclosing(crm.bulk.read_rows("Leads", poll=poll)) as rows:
        async for row in rows:
            assert row["Last_Name"] == "Lead 0"
            break


async def test_bad_arguments_fail_before_any_request(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    fake.stats.reset()
    with pytest.raises(ValueError, match="page= or page_token="):
        await crm.bulk.create_read_job("Leads", page=2, page_token="abc")
    with pytest.raises(ValueError, match="module"):
        await crm.bulk.create_read_job("Leads; drop")
    with pytest.raises(ValueError, match="callback_url"):
        await crm.bulk.create_read_job("Leads", callback_url="ftp://x")
    assert fake.stats.api_requests == 0


@pytest.mark.socket
async def test_drop_mid_body_over_a_socket(
    fast_retry: zc.RetryPolicy, poll: zc.PollPolicy, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="zcrm_async")
    fake = FakeZohoCRM()
    ids = _seed(fake, 30)
    with fake.serve_in_thread() as url:
        async with zc.ZohoCRM(fake.config(), retry=fast_retry) as crm:
            await crm.oauth.generate_access_token(fake.issue_grant_code())
            await crm.bulk.zgid()
            fake.stats.reset()
            fake.drop_next(path="/result")
            rows = [r["id"] async for r in crm.bulk.read_rows("Leads", poll=poll)]
    assert url.startswith("http://127.0.0.1")
    assert rows == ids
    assert "broke off" in caplog.text  # the body started, then the connection dropped
    assert fake.stats.api_requests == 4
    assert fake.stats.by_route["GET /crm/bulk/{version}/read/{job_id}/result"] == 1

"""Bulk Write against the fake: files, uploads, jobs and per-row outcomes."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

pytestmark = pytest.mark.anyio


def _leads(count: int, start: int = 0) -> list[dict[str, Any]]:
    return [
        {"Last_Name": f"Lead {i}", "Email": f"lead{i}@example.com", "Company": "Zylker"}
        for i in range(start, start + count)
    ]


def _zip(text: str, name: str = "data.csv") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, text)
    return buffer.getvalue()


async def test_insert_from_dicts(crm: zc.ZohoCRM, fake: FakeZohoCRM, poll: zc.PollPolicy) -> None:
    rows = _leads(3)
    rows[1]["Email_Opt_Out"] = True
    result = await crm.bulk.write("Leads", rows, columns=[*rows[0], "Email_Opt_Out"], poll=poll)
    assert result.counts == {"added": 3, "updated": 0, "skipped": 0, "unprocessed": 0}
    assert [r.index for r in result.rows] == [0, 1, 2]
    stored = fake.records("Leads")
    assert [stored[r.record_id or ""]["Last_Name"] for r in result.rows] == [
        "Lead 0",
        "Lead 1",
        "Lead 2",
    ]
    assert stored[result.rows[1].record_id or ""]["Email_Opt_Out"] is True
    assert len(result.jobs) == 1 and result.jobs[0].job.status == "COMPLETED"
    assert not result.failed


async def test_update_by_id_and_upsert_by_email(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, poll: zc.PollPolicy
) -> None:
    ids = fake.add_records("Leads", _leads(2))
    updated = await crm.bulk.write(
        "Leads",
        [{"id": ids[1], "Company": "Acme"}, {"id": "5725767000000999999", "Company": "X"}],
        operation="update",
        find_by="id",
        poll=poll,
    )
    assert [r.status for r in updated] == ["updated", "skipped"]
    assert updated.rows[0].record_id == ids[1]
    assert updated.rows[1].errors == ("INVALID_DATA-id",)
    assert fake.records("Leads")[ids[1]]["Company"] == "Acme"

    upserted = await crm.bulk.write(
        "Leads",
        [
            {"Last_Name": "New", "Email": "new@example.com"},
            {"Last_Name": "Renamed", "Email": "LEAD0@example.com"},
        ],
        operation="upsert",
        find_by="Email",
        poll=poll,
    )
    assert [(r.status, r.index) for r in upserted] == [("added", 0), ("updated", 1)]
    assert upserted.rows[1].record_id == ids[0]
    assert fake.records("Leads")[ids[0]]["Last_Name"] == "Renamed"
    assert len(fake.records("Leads")) == 3


async def test_from_a_csv_file(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, poll: zc.PollPolicy, tmp_path: Path
) -> None:
    path = tmp_path / "leads.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Last_Name", "Email", "Lead_Source"])
        writer.writerow(["Müller", "m@example.com", "Cold Call"])
        writer.writerow(["O'Brien, Jr.", "o@example.com", ""])
    result = await crm.bulk.write("Leads", path, poll=poll)
    assert result.counts["added"] == 2
    names = sorted(r["Last_Name"] for r in fake.records("Leads").values())
    assert names == ["Müller", "O'Brien, Jr."]


async def test_split_into_several_files(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, poll: zc.PollPolicy
) -> None:
    reports: list[tuple[int, int | None, float]] = []
    result = await crm.bulk.write(
        "Leads",
        iter(_leads(5)),
        max_rows_per_file=2,
        poll=poll,
        progress=lambda *a: reports.append(a),
    )
    assert len(result.jobs) == 3
    assert [len(job) for job in result.jobs] == [2, 2, 1]
    assert [r.index for r in result.rows] == [0, 1, 2, 3, 4]
    assert len({r.record_id for r in result.rows}) == 5 == len(fake.records("Leads"))
    assert [done for done, _, _ in reports] == [0, 2, 4, 5]
    assert fake.stats.by_route["GET /crm/{version}/org"] == 1  # zgid fetched once


@pytest.mark.backends("asyncio")
async def test_25000_rows_per_file(crm: zc.ZohoCRM, fake: FakeZohoCRM, poll: zc.PollPolicy) -> None:
    async def rows() -> Any:
        for i in range(25_001):
            yield {"Last_Name": f"L{i}"}

    result = await crm.bulk.write("Leads", rows(), poll=poll)
    assert [len(job) for job in result.jobs] == [25_000, 1]
    assert result.counts["added"] == 25_001
    assert result.rows[-1].index == 25_000
    assert len(fake.records("Leads")) == 25_001


async def test_fake_refuses_a_csv_over_the_row_limit(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, poll: zc.PollPolicy
) -> None:
    fake.bulk.limits.max_rows_per_csv = 2
    file_id = await crm.bulk.upload(io.BytesIO(_zip("Last_Name\na\nb\nc\n")))
    job = await crm.bulk.create_write_job("Leads", file_id)
    with pytest.raises(zc.BulkJobFailedError, match="LIMIT_EXCEEDED"):
        await crm.bulk.wait(job, poll=poll)
    assert fake.records("Leads") == {}


async def test_unknown_column_fails_before_upload(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, poll: zc.PollPolicy
) -> None:
    with pytest.raises(zc.BulkWriteInputError, match="'Last_Nme' \\(column 1\\) not field"):
        await crm.bulk.write("Leads", [{"Email": "a@example.com", "Last_Nme": "x"}], poll=poll)
    assert fake.stats.by_route["POST /crm/{version}/upload"] == 0
    mapped = await crm.bulk.write(
        "Leads",
        [{"Surname": "Smith"}],
        field_mappings={"Surname": "Last_Name"},
        poll=poll,
    )
    assert mapped.counts["added"] == 1
    assert next(iter(fake.records("Leads").values()))["Last_Name"] == "Smith"


async def test_row_with_an_extra_key_reports_what_is_written(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, poll: zc.PollPolicy
) -> None:
    rows = [*_leads(3), {"Last_Name": "x", "Phone_Typo": "1"}]
    with pytest.raises(
        zc.BulkWriteInputError, match="row 3 has column\\(s\\) 'Phone_Typo'"
    ) as info:
        await crm.bulk.write("Leads", rows, max_rows_per_file=2, poll=poll)
    assert info.value.completed is not None and len(info.value.completed) == 2
    assert len(fake.records("Leads")) == 2


async def test_rows_zoho_rejects_are_reported_per_row(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, poll: zc.PollPolicy
) -> None:
    rows = [
        {"Last_Name": "Ok", "Email": "ok@example.com"},
        {"Last_Name": "", "Email": "nolastname@example.com"},
        {"Last_Name": "Bad", "Email": "not-an-email"},
        {"Last_Name": "Ok2", "Email": ""},
    ]
    result = await crm.bulk.write("Leads", rows, poll=poll)
    assert [r.status for r in result] == ["added", "skipped", "skipped", "added"]
    assert result.rows[1].errors == ("MANDATORY_NOT_FOUND-Last_Name",)
    assert result.rows[2].error_codes == ["INVALID_DATA"]
    assert [r.index for r in result.failed] == [1, 2]
    assert result.counts == {"added": 2, "updated": 0, "skipped": 2, "unprocessed": 0}
    assert len(fake.records("Leads")) == 2


async def test_failed_job_names_job_and_reason(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, poll: zc.PollPolicy
) -> None:
    fake.bulk.polls_to_complete = 2
    await crm.bulk.write("Leads", _leads(2), poll=poll)
    fake.bulk.fail_next_job("INTERNAL_ERROR", operation="write")
    with pytest.raises(zc.BulkJobFailedError) as info:
        await crm.bulk.write("Leads", _leads(4, start=10), max_rows_per_file=2, poll=poll)
    error = info.value
    failed_job = fake.bulk.write_jobs()[1]
    assert error.job_id == failed_job["id"] and error.state == "FAILED"
    assert "INTERNAL_ERROR" in str(error) and failed_job["id"] in str(error)
    assert error.completed is not None and len(error.completed) == 0
    assert error.first_index == 0
    assert len(fake.records("Leads")) == 2  # nothing of the failed job was written


async def test_job_creation_is_never_retried_blindly(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, poll: zc.PollPolicy
) -> None:
    await crm.bulk.zgid()
    await crm.bulk.field_names("Leads")
    fake.stats.reset()
    fake.fail_next(500, path="/crm/bulk/v8/write", method="POST")
    with pytest.raises(zc.ServerError):
        await crm.bulk.write("Leads", _leads(1), poll=poll)
    assert fake.stats.api_requests == 2  # the upload, and one job creation (not retried)
    assert fake.bulk.write_jobs() == []
    assert fake.records("Leads") == {}


def test_find_by_is_checked_client_side() -> None:
    from zcrm_async.bulk._write import WriteOptions

    for operation in ("update", "upsert"):
        with pytest.raises(ValueError, match=f"operation '{operation}' needs find_by="):
            WriteOptions.check(operation, None, True, None)
    with pytest.raises(ValueError, match="operation must be one of"):
        WriteOptions.check("merge", None, True, None)


async def test_find_by_must_be_a_column(crm: zc.ZohoCRM, poll: zc.PollPolicy) -> None:
    with pytest.raises(zc.BulkWriteInputError, match="find_by 'Email' is not among"):
        await crm.bulk.write("Leads", [{"Last_Name": "x"}], operation="upsert", find_by="Email")


async def test_fake_requires_find_by_for_upsert(crm: zc.ZohoCRM) -> None:
    file_id = await crm.bulk.upload(io.BytesIO(_zip("Last_Name\na\n")))
    body = {
        "operation": "upsert",
        "resource": [{"type": "data", "module": {"api_name": "Leads"}, "file_id": file_id}],
    }
    with pytest.raises(zc.APIError) as info:
        await crm.request("POST", "/crm/bulk/v8/write", json=body)
    assert info.value.code == "MANDATORY_NOT_FOUND"
    assert info.value.details["api_name"] == "find_by"


@pytest.mark.parametrize(
    ("headers", "content", "status", "code"),
    [
        ({"X-CRM-ORG": "ZGID"}, _zip("Last_Name\na\n"), 400, "NOT_SUPPORTED_FEATURE"),
        ({"feature": "bulk-write"}, _zip("Last_Name\na\n"), 400, "INVALID_REQUEST"),
        ({"feature": "bulk-write", "X-CRM-ORG": "1"}, _zip("a\n"), 400, "INVALID_REQUEST"),
        (
            {"feature": "bulk-write", "X-CRM-ORG": "ZGID"},
            b"Last_Name\na\n",
            400,
            "INVALID_FILE_FORMAT",
        ),
        ({"feature": "bulk-write", "X-CRM-ORG": "ZGID"}, b"x" * 3000, 413, "FILE_TOO_LARGE"),
    ],
)
async def test_upload_headers_and_file_are_checked(
    crm: zc.ZohoCRM,
    fake: FakeZohoCRM,
    headers: dict[str, str],
    content: bytes,
    status: int,
    code: str,
) -> None:
    fake.bulk.limits.max_upload_bytes = 2000
    zgid = await crm.bulk.zgid()
    sent = {k: zgid if v == "ZGID" else v for k, v in headers.items()}
    with pytest.raises(zc.APIError) as info:
        await crm.request(
            "POST",
            f"{fake.base_url}/crm/v8/upload",
            files={"file": ("data.zip", content, "application/zip")},
            headers=sent,
        )
    assert (info.value.status_code, info.value.code) == (status, code)


async def test_upload_sends_the_bulk_headers(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    data = _zip("Last_Name\na\n")
    file_id = await crm.bulk.upload(io.BytesIO(data))
    assert fake.bulk.uploaded_files() == {file_id: data}
    org = await crm.org.get()
    assert await crm.bulk.zgid() == org.zgid


def test_upload_url_config() -> None:
    base = {"client_id": "1", "client_secret": "s", "redirect_uri": "https://x.example/cb"}
    assert zc.Config.from_dict(base).resolved_upload_url == "https://content.zohoapis.com"
    eu = zc.Config.from_dict({**base, "data_center": "ca"})
    assert eu.resolved_upload_url == "https://upload.zohocloud.ca"
    own = zc.Config.from_dict({**base, "upload_url": "files.example.com/"})
    assert own.resolved_upload_url == "https://files.example.com"

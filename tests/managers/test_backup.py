"""The data backup: schedule now or on a recurrence, follow it, cancel it, download its ZIPs."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import httpx
import pytest

import zcrm_async as zc
from zcrm_async._datacenters import DATA_CENTERS, trusted_origins
from zcrm_async.testing import FakeZohoCRM

from .conftest import make_client

pytestmark = pytest.mark.anyio


async def test_a_backup_now_completes_and_its_zips_download(
    fake: FakeZohoCRM, crm: zc.ZohoCRM, tmp_path: Path
) -> None:
    fake.bulk.polls_to_complete = 2
    [lead] = fake.add_records("Leads", [{"Last_Name": "Backed", "Email": "b@example.com"}])
    await crm.records("Leads").attachments(lead).upload(b"contract", filename="c.txt")
    assert await crm.backup.status() is None and await crm.backup.urls() is None
    scheduled = await crm.backup.schedule()
    assert scheduled.ok and scheduled.id
    first = await crm.backup.status()
    assert first is not None and (first.id, first.status) == (scheduled.id, "IN_PROGRESS")
    assert await crm.backup.urls() is None  # nothing to download yet
    second = await crm.backup.status()
    assert second is not None and second.status == "COMPLETED" and second.rrule is None
    urls = await crm.backup.urls()
    assert urls is not None and urls.expiry_date is not None
    assert [link.rsplit("/", 1)[1] for link in urls.links] == [
        "Data_001.zip",
        "Attachments_001.zip",
    ]
    data, attachments = await crm.backup.download(tmp_path)
    with zipfile.ZipFile(data) as archive:
        text = archive.read("Leads_001.csv").decode()
    assert lead in text and "b@example.com" in text
    with zipfile.ZipFile(attachments) as archive:
        assert [archive.read(n) for n in archive.namelist()] == [b"contract"]
    actions = [entry.action async for entry in crm.backup.history()]
    assert actions == ["BACKUP_COMPLETED", "BACKUP_SCHEDULED"]


async def test_one_backup_at_a_time_and_recurring_ones_cancel(crm: zc.ZohoCRM) -> None:
    weekly = await crm.backup.schedule("FREQ=WEEKLY;INTERVAL=2;BYDAY=TH")
    status = await crm.backup.status()
    assert status is not None and status.rrule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH"
    assert status.status == "SCHEDULED" and status.requester is not None
    with pytest.raises(zc.APIError) as busy:
        await crm.backup.schedule()
    assert busy.value.code == "BACKUP_ALREADY_SCHEDULED"  # read from Zoho's {"backup": {...}}
    assert busy.value.details == {"id": weekly.id}
    assert (await crm.backup.cancel(str(weekly.id))).ok
    with pytest.raises(zc.APIError) as again:
        await crm.backup.cancel(str(weekly.id))
    assert again.value.code == "ALREADY_CANCELLED"
    with pytest.raises(zc.APIError) as unknown:
        await crm.backup.cancel("5725767000000999999")
    assert unknown.value.code == "RESOURCE_NOT_FOUND"
    assert (await crm.backup.schedule("FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=16")).ok


async def test_a_failed_backup_says_so(fake: FakeZohoCRM, crm: zc.ZohoCRM) -> None:
    fake.bulk.fail_next_job(operation="backup")
    await crm.backup.schedule()
    status = await crm.backup.status()
    assert status is not None and status.status == "FAILED"
    assert await crm.backup.urls() is None
    with pytest.raises(zc.InvalidArgumentError, match="no download links"):
        await crm.backup.download(".")


async def test_bad_recurrences_and_folders_are_refused_first(
    fake: FakeZohoCRM, crm: zc.ZohoCRM, tmp_path: Path
) -> None:
    for rrule in ("FREQ=DAILY;INTERVAL=1;BYDAY=MO", "FREQ=WEEKLY;BYDAY=MO", "every monday"):
        with pytest.raises(zc.InvalidArgumentError, match="rrule"):
            await crm.backup.schedule(rrule)
    with pytest.raises(zc.APIError) as error:  # the client lets it by; Zoho checks INTERVAL
        await crm.backup.schedule("FREQ=WEEKLY;INTERVAL=99;BYDAY=MO")
    assert error.value.code == "INVALID_DATA" and error.value.details["api_name"] == "rrule"
    with pytest.raises(zc.InvalidArgumentError, match="not a folder"):
        await crm.backup.download(tmp_path / "nowhere", urls=zc.BackupUrls(data_links=["x"]))
    with pytest.raises(zc.InvalidArgumentError, match="per_page"):
        crm.backup.history(per_page=0)


async def test_backup_needs_v3(fake: FakeZohoCRM, fast_retry: zc.RetryPolicy) -> None:
    async with await make_client(fake, fast_retry, "v2") as crm:
        before = fake.stats.api_requests
        with pytest.raises(zc.InvalidArgumentError, match="v3 or later; this client uses v2"):
            await crm.backup.schedule()
        assert fake.stats.api_requests == before
    async with await make_client(fake, fast_retry, "v3") as crm:
        assert (await crm.backup.schedule()).ok


def test_zohos_download_hosts_are_trusted_with_the_token() -> None:
    trusted = trusted_origins(())
    for dc in DATA_CENTERS.values():
        assert dc.download_urls <= trusted
    assert "https://download-accl.zoho.com" in trusted
    assert "https://download.zoho.eu" in trusted
    assert "https://download.zohocloud.ca" in trusted
    assert "https://download.evil.example" not in trusted


async def _client_with_token(answer: httpx.MockTransport) -> zc.ZohoCRM:
    """A client for a real account (no test opt-in), its token stored, on ``answer``."""
    store = zc.MemoryStore()
    await store.save(
        zc.OAuthTokens(
            "ada@example.com", "1000.a.b", "1000.c.d", 2**45, api_domain="https://www.zohoapis.com"
        )
    )
    config = zc.Config.from_dict(
        {
            "client_id": "c",
            "client_secret": "s",
            "redirect_uri": "https://x.example/cb",
            "current_user_email": "ada@example.com",
        }
    )
    return zc.ZohoCRM(config, store=store, transport=answer)


async def test_a_link_to_another_host_gets_no_token(tmp_path: Path) -> None:
    sent: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda request: sent.append(request) or httpx.Response(200))
    bad = zc.BackupUrls(data_links=["https://download.evil.example/v2/crm/1/backup/2/D.zip"])
    async with await _client_with_token(transport) as crm:
        with pytest.raises(zc.InvalidArgumentError, match=r"download\.evil\.example"):
            await crm.backup.download(tmp_path, urls=bad)
    assert sent == [] and list(tmp_path.iterdir()) == []


async def test_the_token_goes_to_zohos_download_host(tmp_path: Path) -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("Leads_001.csv", "id\n1\n")
        return httpx.Response(200, content=buffer.getvalue())

    link = "https://download-accl.zoho.com/v2/crm/1/backup/2/Data_001.zip"
    async with await _client_with_token(httpx.MockTransport(answer)) as crm:
        [path] = await crm.backup.download(tmp_path, urls=zc.BackupUrls(data_links=[link]))
    assert path.name == "Data_001.zip" and zipfile.is_zipfile(path)
    assert [str(r.url) for r in sent] == [link]
    assert sent[0].headers["Authorization"] == "Zoho-oauthtoken 1000.a.b"

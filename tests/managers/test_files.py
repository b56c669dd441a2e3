"""Record photo and attachments: uploads from paths, bytes, file objects and links; streaming."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

pytestmark = pytest.mark.anyio

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4


@pytest.fixture
def lead_id(fake: FakeZohoCRM) -> str:
    return fake.add_records("Leads", [{"Last_Name": "Files"}])[0]


async def test_photo_upload_download_delete(
    any_crm: zc.ZohoCRM, lead_id: str, tmp_path: Path
) -> None:
    leads = any_crm.records("Leads")
    path = tmp_path / "face.png"
    path.write_bytes(PNG)
    result = await leads.upload_photo(lead_id, path)
    assert result.ok and result.message == "photo uploaded successfully"
    assert await leads.download_photo(lead_id) == PNG
    await leads.upload_photo(lead_id, JPEG, filename="other.jpg")
    assert await leads.download_photo(lead_id) == JPEG
    assert (await leads.delete_photo(lead_id)).ok
    with pytest.raises(zc.EmptyResultError) as missing:
        await leads.download_photo(lead_id)
    assert missing.value.code == "NO_CONTENT" and missing.value.status_code == 204


async def test_photo_must_be_an_image(crm: zc.ZohoCRM, lead_id: str) -> None:
    # Decided by the bytes, not the name or the part's Content-Type (Zoho's SDKs send none).
    with pytest.raises(zc.APIError) as error:
        await crm.records("Leads").upload_photo(lead_id, b"text", filename="face.png")
    assert error.value.code == "INVALID_DATA"


async def test_attachments_from_path_bytes_file_object_and_link(
    any_crm: zc.ZohoCRM, lead_id: str, tmp_path: Path
) -> None:
    attachments = any_crm.records("Leads").attachments(lead_id)
    path = tmp_path / "report.csv"
    path.write_bytes(b"a,b\n1,2\n")
    from_path = await attachments.upload(path)
    from_bytes = await attachments.upload(b"raw bytes", filename="raw.bin")
    from_file = await attachments.upload(io.BytesIO(b"in memory"), filename="memory.txt")
    link = await attachments.upload_link("https://example.com/spec.pdf", title="Spec")
    assert all(r.ok and r.id for r in (from_path, from_bytes, from_file, link))
    listed = {a.id: a async for a in attachments.list()}
    assert listed[from_path.id or ""].file_name == "report.csv"
    assert listed[from_bytes.id or ""].size == "9"
    assert listed[link.id or ""].link_url == "https://example.com/spec.pdf"
    async with attachments.download(from_file.id or "") as download:
        assert download.filename == "memory.txt"
        assert b"".join([c async for c in download.iter_bytes()]) == b"in memory"
    assert (await attachments.delete(from_bytes.id or "")).ok
    assert {a.id async for a in attachments.list()} == {from_path.id, from_file.id, link.id}


async def test_attachment_download_is_streamed_in_chunks(
    crm: zc.ZohoCRM, lead_id: str, tmp_path: Path
) -> None:
    attachments = crm.records("Leads").attachments(lead_id)
    content = bytes(range(256)) * (5 * 1024 * 1024 // 256)  # 5 MB
    uploaded = await attachments.upload(content, filename="big file.bin")
    sizes = []
    total = 0
    async with attachments.download(uploaded.id or "") as download:
        assert download.size == len(content)
        assert download.filename == "big file.bin"
        async for chunk in download.iter_bytes():
            sizes.append(len(chunk))
            assert content[total : total + len(chunk)] == chunk
            total += len(chunk)
    assert total == len(content)
    assert len(sizes) >= 80 and max(sizes) <= 64 * 1024  # never one 5 MB object
    written = await attachments.download_to(uploaded.id or "", tmp_path)
    assert written == tmp_path / "big file.bin"
    assert written.read_bytes() == content


async def test_attachments_list_needs_fields_from_v7_and_the_sdk_sends_them(
    crm: zc.ZohoCRM, lead_id: str
) -> None:
    with pytest.raises(zc.APIError) as error:
        await crm.request("GET", f"Leads/{lead_id}/Attachments")
    assert error.value.code == "REQUIRED_PARAM_MISSING"
    await crm.records("Leads").attachments(lead_id).upload(b"x", filename="x.txt")
    page = await crm.records("Leads").attachments(lead_id).list()
    assert [a.file_name for a in page] == ["x.txt"]


async def test_download_failure_before_the_body_is_retried(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, lead_id: str
) -> None:
    attachments = crm.records("Leads").attachments(lead_id)
    uploaded = await attachments.upload(b"payload", filename="p.bin")
    fake.fail_next(503)
    async with attachments.download(uploaded.id or "") as download:
        assert b"".join([c async for c in download.iter_bytes()]) == b"payload"


async def test_upload_of_a_missing_file_names_it(crm: zc.ZohoCRM, lead_id: str) -> None:
    with pytest.raises(ValueError, match=r"nope\.pdf"):
        await crm.records("Leads").attachments(lead_id).upload("/nonexistent/nope.pdf")


async def test_save_keeps_an_existing_file_unless_told_to_overwrite(
    crm: zc.ZohoCRM, lead_id: str, tmp_path: Path
) -> None:
    attachments = crm.records("Leads").attachments(lead_id)
    uploaded = await attachments.upload(b"new content", filename="report.txt")
    existing = tmp_path / "report.txt"
    existing.write_bytes(b"precious")
    for target in (tmp_path, existing):  # by directory (Zoho's name) and by file path
        with pytest.raises(FileExistsError, match="overwrite=True") as caught:
            await attachments.download_to(uploaded.id or "", target)
        assert caught.value.filename == str(existing)
        async with attachments.download(uploaded.id or "") as download:
            with pytest.raises(FileExistsError):
                await download.save(target)
    assert existing.read_bytes() == b"precious"
    written = await attachments.download_to(uploaded.id or "", tmp_path, overwrite=True)
    assert written == existing and existing.read_bytes() == b"new content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.txt"]


async def test_a_download_that_breaks_off_leaves_the_old_file_and_no_part(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, lead_id: str, tmp_path: Path
) -> None:
    attachments = crm.records("Leads").attachments(lead_id)
    uploaded = await attachments.upload(bytes(1024 * 1024), filename="big.bin")
    existing = tmp_path / "big.bin"
    existing.write_bytes(b"previous version")
    fake.drop_next(times=10, path=f"/crm/v8/Leads/{lead_id}/Attachments/{uploaded.id}")
    with pytest.raises(zc.TransportError):
        await attachments.download_to(uploaded.id or "", existing, overwrite=True)
    assert existing.read_bytes() == b"previous version"
    assert [p.name for p in tmp_path.iterdir()] == ["big.bin"]


@pytest.mark.parametrize("name", ["../escape.txt", "..", ".", "sub\\..\\x.txt", ""])
async def test_zohos_file_name_cannot_leave_the_directory(
    crm: zc.ZohoCRM, lead_id: str, tmp_path: Path, name: str
) -> None:
    attachments = crm.records("Leads").attachments(lead_id)
    uploaded = await attachments.upload(b"x", filename=name or "x")
    inside = tmp_path / "inside"
    inside.mkdir()
    written = await attachments.download_to(uploaded.id or "", inside)
    assert written.parent == inside and written.read_bytes() == b"x"
    assert [p.name for p in tmp_path.iterdir()] == ["inside"]

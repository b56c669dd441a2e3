"""The file store (``crm.files``) and file fields of records: uploads streamed from disk, per-file
results, records whose file failed left unwritten, downloads of a field's files."""

from __future__ import annotations

import io
from contextlib import aclosing
from pathlib import Path
from typing import Any

import httpx
import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

from .conftest import make_client, requests_to

pytestmark = pytest.mark.anyio

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
VIRUS = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


async def read_all(download: zc.Download) -> bytes:
    return b"".join([chunk async for chunk in download.iter_bytes()])


async def test_upload_paths_bytes_and_file_objects_then_download(
    crm: zc.ZohoCRM, tmp_path: Path
) -> None:
    path = tmp_path / "contract.pdf"
    path.write_bytes(b"%PDF-1.4 contract")
    results = await crm.files.upload(
        [path, b"raw bytes", io.BytesIO(b"from memory"), zc.FileUpload(PNG, filename="logo.png")]
    )
    assert [r.ok for r in results] == [True] * 4
    assert [r.details["name"] for r in results] == ["contract.pdf", "file2", "file3", "logo.png"]
    assert [r.index for r in results] == [0, 1, 2, 3]
    async with crm.files.download(str(results[0].id)) as download:
        assert download.filename == "contract.pdf"
        assert await read_all(download) == b"%PDF-1.4 contract"
    saved = await crm.files.download_to(str(results[3].id), tmp_path)
    assert saved == tmp_path / "logo.png" and saved.read_bytes() == PNG
    with pytest.raises(FileExistsError):
        await crm.files.download_to(str(results[3].id), tmp_path)


async def test_eleven_files_take_two_calls_and_keep_their_order(
    fake: FakeZohoCRM, crm: zc.ZohoCRM
) -> None:
    files = [zc.FileUpload(f"file {i}".encode(), filename=f"f{i}.txt") for i in range(11)]
    results = await crm.files.upload(files)
    assert requests_to(fake, "POST /crm/{version}/files") == 2  # 10 per call
    assert [r.details["name"] for r in results] == [f"f{i}.txt" for i in range(11)]
    for i, result in enumerate(results):
        async with crm.files.download(str(result.id)) as download:
            assert await read_all(download) == f"file {i}".encode()


async def test_a_refused_file_has_its_error_in_its_place(crm: zc.ZohoCRM) -> None:
    results = await crm.files.upload([b"fine", zc.FileUpload(VIRUS, filename="bad.exe"), b"ok"])
    assert [r.status for r in results] == ["success", "error", "success"]
    assert results[1].code == "VIRUS_DETECTED" and results[1].index == 1
    assert results[1].details["name"] == "bad.exe"
    with pytest.raises(zc.WriteFailedError):
        results.raise_for_failures()


async def test_inline_images_say_so(fake: FakeZohoCRM, crm: zc.ZohoCRM) -> None:
    [result] = await crm.files.upload(zc.FileUpload(PNG, filename="inline.png"), inline=True)
    assert result.ok
    assert fake.stats.by_route["POST /crm/{version}/files"] == 1


class Streaming(httpx.AsyncBaseTransport):
    """The fake, reading each request body chunk by chunk first; the first upload breaks off
    after its first chunk (a connection lost mid-upload)."""

    def __init__(self, fake: FakeZohoCRM) -> None:
        self.inner = fake.transport()
        self.chunks: list[list[int]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/files") and request.method == "POST":
            sizes: list[int] = []
            self.chunks.append(sizes)
            body = b""
            async with aclosing(request.stream.__aiter__()) as chunks:  # type: ignore[union-attr]
                async for chunk in chunks:
                    sizes.append(len(chunk))
                    body += chunk
                    if len(self.chunks) == 1:
                        raise httpx.ConnectError("connection lost during the upload")
            request = httpx.Request(
                request.method, request.url, headers=request.headers, content=body
            )
        return await self.inner.handle_async_request(request)


async def test_a_path_is_streamed_from_disk_and_sent_again_whole_on_a_retry(
    fake: FakeZohoCRM, fast_retry: zc.RetryPolicy, tmp_path: Path
) -> None:
    content = bytes(range(256)) * 4096  # 1 MiB
    path = tmp_path / "big.bin"
    path.write_bytes(content)
    transport = Streaming(fake)
    async with zc.ZohoCRM(fake.config(), transport=transport, retry=fast_retry) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        [result] = await crm.files.upload(path)
        assert result.ok
        async with crm.files.download(str(result.id)) as download:
            assert await read_all(download) == content
    first, second = transport.chunks
    assert len(first) == 1  # the attempt that broke off
    assert max(second) <= 64 * 1024 < len(content)  # read from disk in chunks, never whole
    assert sum(second) > len(content)  # the retry sent the whole file again (and the headers)


async def test_bad_uploads_and_ids_name_what_is_wrong(crm: zc.ZohoCRM, tmp_path: Path) -> None:
    with pytest.raises(zc.InvalidArgumentError, match="no files"):
        await crm.files.upload([])
    missing = tmp_path / "missing.pdf"
    with pytest.raises(zc.InvalidArgumentError, match=r"missing\.pdf"):
        await crm.files.upload(missing)
    with pytest.raises(zc.InvalidArgumentError, match="is not a regular file"):
        await crm.files.upload(tmp_path)
    with pytest.raises(zc.InvalidArgumentError, match="not a file id"):
        crm.files.download("../etc/passwd")
    with pytest.raises(zc.APIError) as error:
        async with crm.files.download("0123456789abcdef"):
            pass
    assert error.value.code == "INVALID_DATA"


# -- file fields ---------------------------------------------------------------------------------


def _names(value: Any) -> list[str]:
    return [entry["File_Name__s"] for entry in value or []]


@pytest.mark.parametrize("version", ["v2", "v8"])
async def test_a_write_uploads_file_values_first(
    fake: FakeZohoCRM, fast_retry: zc.RetryPolicy, tmp_path: Path, version: str
) -> None:
    path = tmp_path / "report.txt"
    path.write_text("quarterly report")
    async with await make_client(fake, fast_retry, version) as crm:
        cases = crm.records("Cases")
        [created] = await cases.create(
            [
                {
                    "Subject": "Broken screen",
                    "File_Upload": zc.FileUpload(path),
                    "Image_Upload": [zc.FileUpload(PNG, filename="screen.png")],
                }
            ]
        )
        assert created.ok and created.index == 0
        stored = fake.records("Cases")[str(created.id)]
        assert _names(stored["File_Upload"]) == ["report.txt"]
        assert _names(stored["Image_Upload"]) == ["screen.png"]
        record = await cases.get(str(created.id))
        assert _names(record["File_Upload"]) == ["report.txt"]
        await cases.update(
            [{"id": created.id, "File_Upload": [zc.FileUpload(b"v2", filename="second.txt")]}]
        )
        stored = fake.records("Cases")[str(created.id)]
        assert _names(stored["File_Upload"]) == ["report.txt", "second.txt"]  # added to
        first = stored["File_Upload"][0]["id"]
        await cases.update([{"id": created.id, "File_Upload": [{"id": first, "_delete": None}]}])
        assert _names(fake.records("Cases")[str(created.id)]["File_Upload"]) == ["second.txt"]


async def test_the_file_id_key_follows_the_api_version(
    fake: FakeZohoCRM, fast_retry: zc.RetryPolicy
) -> None:
    seen: dict[str, bytes] = {}

    class Recording(httpx.AsyncBaseTransport):
        def __init__(self) -> None:
            self.inner = fake.transport()

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/Cases"):
                seen[request.url.path.split("/")[2]] = await request.aread()
            return await self.inner.handle_async_request(request)

    for version in ("v2", "v3"):
        config = fake.config(api_version=version)
        async with zc.ZohoCRM(config, transport=Recording(), retry=fast_retry) as crm:
            await crm.oauth.generate_access_token(fake.issue_grant_code())
            [result] = await crm.records("Cases").create(
                [{"Subject": version, "File_Upload": zc.FileUpload(b"x", filename="x.txt")}]
            )
            assert result.ok
    assert b'"file_id"' in seen["v2"] and b"File_Id__s" not in seen["v2"]
    assert b'"File_Id__s"' in seen["v3"]


async def test_a_record_whose_file_failed_is_not_written_and_keeps_its_place(
    fake: FakeZohoCRM, crm: zc.ZohoCRM
) -> None:
    results = await crm.records("Cases").create(
        [
            {"Subject": "A", "File_Upload": zc.FileUpload(b"fine", filename="a.txt")},
            {"Subject": "B", "File_Upload": [zc.FileUpload(VIRUS, filename="b.exe")]},
            {"Subject": "C"},
            {"Last_Name": "wrong field"},  # refused by Zoho itself, after the upload step
        ]
    )
    assert [r.index for r in results] == [0, 1, 2, 3]
    assert [r.status for r in results] == ["success", "error", "success", "error"]
    assert results[1].code == "VIRUS_DETECTED"
    assert results[1].details["api_name"] == "File_Upload"
    assert "'b.exe'" in results[1].message and "not written" in results[1].message
    assert results[3].code == "INVALID_DATA"
    assert sorted(r["Subject"] for r in fake.records("Cases").values()) == ["A", "C"]


async def test_many_records_with_files_keep_their_order_across_chunks(
    fake: FakeZohoCRM, crm: zc.ZohoCRM
) -> None:
    records = [
        {"Subject": f"Case {i:03d}", "File_Upload": zc.FileUpload(f"{i}".encode(), f"{i}.txt")}
        for i in range(105)
    ]
    records[42]["File_Upload"] = zc.FileUpload(VIRUS, filename="42.exe")
    results = await crm.records("Cases").create(records)
    assert [r.index for r in results] == list(range(105))
    assert [i for i, r in enumerate(results) if not r.ok] == [42]
    assert requests_to(fake, "POST /crm/{version}/files") == 11
    assert requests_to(fake, "POST /crm/{version}/{module}") == 2  # 104 records: 100 + 4
    stored = {r["Subject"]: r for r in fake.records("Cases").values()}
    assert len(stored) == 104
    assert _names(stored["Case 104"]["File_Upload"]) == ["104.txt"]


async def test_upsert_fills_file_fields_too(fake: FakeZohoCRM, crm: zc.ZohoCRM) -> None:
    [result] = await crm.records("Cases").upsert(
        [{"Subject": "Upserted", "Image_Upload": zc.FileUpload(PNG, filename="u.png")}],
        duplicate_check_fields=["Subject"],
    )
    assert result.ok and result.action == "insert"
    assert _names(fake.records("Cases")[str(result.id)]["Image_Upload"]) == ["u.png"]


async def test_a_field_file_downloads_from_its_record(
    fake: FakeZohoCRM, crm: zc.ZohoCRM, tmp_path: Path
) -> None:
    cases = crm.records("Cases")
    [created] = await cases.create(
        [{"Subject": "Files", "File_Upload": zc.FileUpload(b"evidence", filename="e.txt")}]
    )
    entry = fake.records("Cases")[str(created.id)]["File_Upload"][0]
    async with cases.download_field_attachment(str(created.id), entry["id"]) as download:
        assert download.filename == "e.txt"
        assert await read_all(download) == b"evidence"
    saved = await cases.download_field_attachment_to(str(created.id), entry["id"], tmp_path)
    assert saved.read_bytes() == b"evidence"
    with pytest.raises(zc.APIError) as error:
        async with cases.download_field_attachment(str(created.id), "5725767000000999999"):
            pass
    assert error.value.code == "INVALID_DATA"


async def test_field_files_need_v2_1(fake: FakeZohoCRM, crm_v2: zc.ZohoCRM) -> None:
    before = fake.stats.api_requests
    with pytest.raises(zc.InvalidArgumentError, match=r"v2\.1 or later; this client uses v2"):
        crm_v2.records("Cases").download_field_attachment("5725767000000100001", "1")
    assert fake.stats.api_requests == before  # refused before anything was sent

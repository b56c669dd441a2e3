"""Bulk Read on hostile or broken archives: bounded memory, and a clear ArchiveError each time.

The archives are real ZIP files written here: a bomb of one endless line, corrupt deflate data,
a truncated file, a lying size header, foreign member names, other compression methods. The
end-to-end cases run ``read_rows`` against the fake, with the job's result file swapped on the
way (as a hostile network or a broken server would), so the job and its count are the fake's.
"""

from __future__ import annotations

import io
import struct
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

import zcrm_async as zc
from zcrm_async.bulk import ArchiveLimits, count_zip_csv, iter_zip_csv
from zcrm_async.testing import FakeZohoCRM

MiB = 1024 * 1024


def zip_of(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


GOOD_CSV = b"id,Last_Name\r\n1,Ada\r\n2,Grace\r\n3,Hedy\r\n"


def one_line_bomb(path: Path, line_bytes: int) -> Path:
    """A ZIP whose CSV is a header, then one line of ``line_bytes`` without a newline."""
    with (
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("111.csv", "w") as member,
    ):
        member.write(b"id,Last_Name\n1,")
        chunk = b"A" * MiB
        for _ in range(line_bytes // MiB):
            member.write(chunk)
    return path


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 MB of one CSV line in a ZIP of about 300 KB (the issue's case, at half the size)."""
    return one_line_bomb(tmp_path_factory.mktemp("bomb") / "bomb.zip", 300 * MiB)


def read_all(source: Path | bytes, **options: object) -> list[dict[str, str]]:
    data = io.BytesIO(source) if isinstance(source, bytes) else source
    return list(iter_zip_csv(data, **options))  # type: ignore[arg-type]


def test_a_good_archive_reads_as_before() -> None:
    rows = read_all(zip_of({"1.csv": b"\xef\xbb\xbf" + GOOD_CSV}), expected_rows=3)
    assert rows == [
        {"id": "1", "Last_Name": "Ada"},
        {"id": "2", "Last_Name": "Grace"},
        {"id": "3", "Last_Name": "Hedy"},
    ]
    multi_line = b'id,Description\r\n1,"two\r\nlines"\r\n'
    assert read_all(zip_of({"1.csv": multi_line})) == [{"id": "1", "Description": "two\r\nlines"}]
    assert count_zip_csv(io.BytesIO(zip_of({"1.csv": GOOD_CSV, "2.csv": GOOD_CSV}))) == 6
    assert read_all(zip_of({"1.csv": b"id,Last_Name\r\n"}), expected_rows=0) == []


def test_a_zip_bomb_is_refused_before_it_is_decompressed(bomb: Path) -> None:
    assert bomb.stat().st_size < 1 * MiB
    tracemalloc.start()
    try:
        with pytest.raises(zc.ArchiveError, match="a ZIP bomb") as caught:
            read_all(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "'111.csv'" in str(caught.value) and "max_ratio=200" in str(caught.value)
    assert peak < 4 * MiB


def test_one_endless_line_stops_at_the_row_cap_in_bounded_memory(bomb: Path) -> None:
    limits = ArchiveLimits(max_ratio=None, max_row_chars=8 * MiB)
    tracemalloc.start()
    try:
        with pytest.raises(zc.ArchiveError, match="CSV row 2 is longer than") as caught:
            read_all(bomb, limits=limits)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert f"max_row_chars={8 * MiB}" in str(caught.value)
    # Reading the 300 MB line whole took the process past 1 GB before; now the row cap (8 Mi
    # characters) bounds it: a bound far from both.
    assert peak < 80 * MiB, peak


def test_a_field_over_the_csv_field_limit_is_an_archive_error() -> None:
    data = b"id,Description\r\n1," + b"x" * 200_000 + b"\r\n"
    with pytest.raises(zc.ArchiveError, match=r"unreadable CSV near row 2: field larger"):
        read_all(zip_of({"1.csv": data}))


def corrupt(data: bytes) -> bytes:
    """``data`` with bytes in the middle of the first member's compressed stream flipped."""
    offset = 30 + len("1.csv") + 40
    return data[:offset] + bytes(b ^ 0xFF for b in data[offset : offset + 16]) + data[offset + 16 :]


def big_csv(rows: int = 5000) -> bytes:
    lines = [b"id,Last_Name,Email"]
    lines += [f"{n},Name {n * 7919 % 10007},p{n}@example.com".encode() for n in range(rows)]
    return b"\r\n".join(lines) + b"\r\n"


def lying_size(data: bytes, declared: int) -> bytes:
    """The archive with the member's uncompressed size rewritten in both of its headers."""
    out = bytearray(data)
    local = out.index(b"PK\x03\x04")
    struct.pack_into("<I", out, local + 22, declared)
    central = out.index(b"PK\x01\x02")
    struct.pack_into("<I", out, central + 24, declared)
    return bytes(out)


MALFORMED: dict[str, tuple[Callable[[], bytes], str]] = {
    "corrupt member data": (lambda: corrupt(zip_of({"1.csv": big_csv()})), "'1.csv'"),
    "truncated archive": (
        lambda: zip_of({"1.csv": big_csv()})[:4000],
        "not a readable ZIP archive",
    ),
    "truncated member data": (
        lambda: _truncated_member(),
        "'1.csv'",
    ),
    "a smaller declared size": (
        lambda: lying_size(zip_of({"1.csv": big_csv()}), 1000),
        "'1.csv'",
    ),
    "not a ZIP at all": (lambda: b"<html>maintenance</html>", "not a readable ZIP"),
    "no member": (lambda: zip_of({}), "holds no file"),
    "a member outside the archive": (lambda: zip_of({"../evil.csv": GOOD_CSV}), "not a CSV file"),
    "a member in a directory": (lambda: zip_of({"x/1.csv": GOOD_CSV}), "not a CSV file name"),
    "a member that is not CSV": (lambda: zip_of({"1.exe": b"MZ"}), "'1.exe': not a CSV"),
    "an empty member": (lambda: zip_of({"1.csv": b""}), "is empty: not even a header"),
    "bzip2 compression": (
        lambda: zip_of({"1.csv": GOOD_CSV}, zipfile.ZIP_BZIP2),
        "compression method 12",
    ),
    "encryption flag": (lambda: _encrypted(), "is encrypted"),
    "bytes that are not UTF-8": (
        lambda: zip_of({"1.csv": b"id,Last_Name\r\n1,\xff\xfe\xfa\r\n"}),
        "unreadable CSV near row 1: 'utf-8' codec",
    ),
    "a row longer than the header": (
        lambda: zip_of({"1.csv": b"id,Last_Name\r\n1,Ada,extra\r\n"}),
        "CSV row 2 has 3 cells, the header has 2",
    ),
    "a row shorter than the header": (
        lambda: zip_of({"1.csv": b"id,Last_Name,Email\r\n1,Ada\r\n"}),
        "CSV row 2 has 2 cells, the header has 3",
    ),
}


def _truncated_member() -> bytes:
    """The member's compressed data cut short, the ZIP structure around it intact."""
    data = zip_of({"1.csv": big_csv()})
    info = zipfile.ZipFile(io.BytesIO(data)).infolist()[0]
    start = 30 + len(info.filename)
    cut = info.compress_size // 2
    shorter = data[:start] + data[start : start + cut] + data[start + info.compress_size :]
    out = bytearray(shorter)
    struct.pack_into("<I", out, 18, cut)  # local header: compressed size
    central = out.index(b"PK\x01\x02")
    struct.pack_into("<I", out, central + 20, cut)
    end = out.index(b"PK\x05\x06")
    struct.pack_into("<I", out, end + 16, central)  # where the central directory now starts
    return bytes(out)


def _encrypted() -> bytes:
    out = bytearray(zip_of({"1.csv": GOOD_CSV}))
    out[6] |= 0x1
    central = out.index(b"PK\x01\x02")
    out[central + 8] |= 0x1
    return bytes(out)


@pytest.mark.parametrize("case", list(MALFORMED))
def test_every_malformed_archive_is_an_archive_error_saying_what(case: str) -> None:
    build, expected = MALFORMED[case]
    with pytest.raises(zc.ArchiveError) as caught:
        read_all(build())
    assert expected in str(caught.value)
    assert str(caught.value).startswith("the archive")


def test_a_row_count_other_than_the_jobs_is_an_error() -> None:
    with pytest.raises(zc.ArchiveError, match="holds 3 rows but Zoho reported 4"):
        read_all(zip_of({"1.csv": GOOD_CSV}), expected_rows=4)
    with pytest.raises(zc.ArchiveError, match="holds 3 rows but Zoho reported 2"):
        count_zip_csv(io.BytesIO(zip_of({"1.csv": GOOD_CSV})), expected_rows=2)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_row_chars": 0}, "max_row_chars must be a int > 0, got 0"),
        ({"max_row_chars": None}, "max_row_chars must be a int > 0, got None"),
        ({"max_ratio": -1}, "max_ratio must be a float > 0 or None"),
        ({"max_total_bytes": 1.5}, "max_total_bytes must be a int > 0 or None"),
    ],
)
def test_limits_are_checked(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ArchiveLimits(**options)  # type: ignore[arg-type]


def test_the_total_size_cap() -> None:
    data = zip_of({"1.csv": GOOD_CSV, "2.csv": GOOD_CSV})
    with pytest.raises(zc.ArchiveError, match=r"'2\.csv': the archive decompresses to more"):
        read_all(data, limits=ArchiveLimits(max_total_bytes=len(GOOD_CSV) + 1))


# -- end to end: read_rows against the fake, its result file swapped ----------------------------


class SwappedResult(httpx.AsyncBaseTransport):
    """The fake, except that bulk read result downloads answer ``make(original)`` instead."""

    def __init__(self, fake: FakeZohoCRM, make: Callable[[bytes], bytes]) -> None:
        self.inner = fake.transport()
        self.make = make

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if not request.url.path.endswith("/result"):
            return response
        original = await response.aread()
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return httpx.Response(response.status_code, headers=headers, content=self.make(original))


def drop_last_row(original: bytes) -> bytes:
    (name,) = zipfile.ZipFile(io.BytesIO(original)).namelist()
    text = zipfile.ZipFile(io.BytesIO(original)).read(name)
    return zip_of({name: b"".join(text.splitlines(keepends=True)[:-1])})


@pytest.fixture
def seeded(fake: FakeZohoCRM) -> list[str]:
    return fake.add_records("Leads", [{"Last_Name": f"Lead {n}"} for n in range(40)])


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("make", "message"),
    [
        (drop_last_row, "holds 39 rows but Zoho reported 40"),
        (lambda original: corrupt(original), "the result of bulk read job"),
        (lambda original: original[: len(original) // 2], "not a readable ZIP archive"),
    ],
    ids=["a missing row", "corrupt data", "truncated"],
)
async def test_read_rows_yields_no_row_of_a_bad_archive(
    fake: FakeZohoCRM,
    seeded: list[str],
    poll: zc.PollPolicy,
    make: Callable[[bytes], bytes],
    message: str,
) -> None:
    transport = SwappedResult(fake, make)
    async with zc.ZohoCRM(fake.config(), transport=transport) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        rows: list[dict[str, str]] = []
        with pytest.raises(zc.ArchiveError, match=message) as caught:
            async for row in crm.bulk.read_rows("Leads", fields=["Last_Name"], poll=poll):
                rows.append(row)
    assert rows == []  # the page was checked whole before any row was handed out
    assert "the result of bulk read job" in str(caught.value)


@pytest.mark.anyio
async def test_read_rows_takes_archive_limits(
    fake: FakeZohoCRM, seeded: list[str], poll: zc.PollPolicy
) -> None:
    async with zc.ZohoCRM(fake.config(), transport=fake.transport()) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        tight = ArchiveLimits(max_row_chars=10)
        with pytest.raises(zc.ArchiveError, match="max_row_chars=10"):
            async for _ in crm.bulk.read_rows("Leads", poll=poll, archive_limits=tight):
                pass
        rows = [row async for row in crm.bulk.read_rows("Leads", fields=["Last_Name"], poll=poll)]
    assert sorted(row["id"] for row in rows) == sorted(seeded)

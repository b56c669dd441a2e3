"""Large writes: bodies encoded at their slot, results built once and only when read."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import zcrm_async as zc
from zcrm_async._http import _core
from zcrm_async.pipelines import upsert_in_chunks
from zcrm_async.testing import FakeZohoCRM

pytestmark = pytest.mark.anyio


def _item(rid: str, status: str = "success") -> dict[str, Any]:
    return {"code": "SUCCESS", "details": {"id": rid}, "message": "ok", "status": status}


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The indexes of the WriteResults built from Zoho's items, in the order built."""
    seen: list[int] = []
    original = zc.WriteResult.from_api

    def counting(data: Any, index: int | None = None) -> zc.WriteResult:
        seen.append(-1 if index is None else index)
        return original(data, index)

    monkeypatch.setattr(zc.WriteResult, "from_api", staticmethod(counting))
    return seen


async def test_results_are_built_only_when_read_and_only_once(built: list[int]) -> None:
    items = [_item("1"), _item("2"), {"status": "error", "code": "DUPLICATE_DATA", "message": ""}]
    results = zc.WriteResults.from_api(items, offset=10)
    assert len(results) == 3 and results.ids == ["1", "2", None]
    assert built == []
    first = results[0]
    assert built == [10, 11, 12]
    assert results[0] is first and list(results)[2] is results.failed[0]
    assert [r.index for r in results] == [10, 11, 12] and built == [10, 11, 12]
    assert results.failed[0].code == "DUPLICATE_DATA"
    with pytest.raises(zc.WriteFailedError):
        results.raise_for_failures()


async def test_nothing_failed_builds_nothing(built: list[int]) -> None:
    results = zc.WriteResults.from_api([_item(str(i)) for i in range(250)])
    assert results.failed == [] and results.raise_for_failures() is results
    assert results.ids == [str(i) for i in range(250)]
    assert built == []
    assert len(results.succeeded) == 250 and len(built) == 250


async def test_joined_results_are_numbered_by_their_place() -> None:
    error = zc.WriteResult.from_error(zc.TransportError("down", host="h"))
    built = zc.WriteResults([error, error.__class__("error", "X", "", {}, 99)])
    raw = zc.WriteResults.from_api([_item("a"), _item("b")], offset=40)
    nested = zc.WriteResults.join([raw, zc.WriteResults()])
    joined = zc.WriteResults.join([nested, built, zc.WriteResults.from_api([_item("c")])])
    assert [r.index for r in joined] == [0, 1, 2, 3, 4]
    assert joined.ids == ["a", "b", None, None, "c"]
    assert joined == zc.WriteResults(list(joined))
    assert repr(joined).startswith("WriteResults(results=[WriteResult(status='success'")


async def test_results_can_be_replaced_and_compared() -> None:
    results = zc.WriteResults.from_api([_item("1")])
    results.results = []
    assert len(results) == 0 and results == zc.WriteResults()
    assert results != zc.WriteResults.from_api([_item("1")])
    assert results.__eq__(object()) is NotImplemented


async def test_a_write_encodes_a_chunk_only_when_it_holds_a_slot(
    fake: FakeZohoCRM, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.latency = 0.02
    encoded: list[int] = []  # at each encoding: bodies encoded minus answers received
    answers = 0
    original = _core.encode_json

    def encode(value: Any) -> bytes:
        encoded.append(len(encoded) + 1 - answers)
        return original(value)

    async def answered(response: httpx.Response) -> None:
        nonlocal answers
        answers += 1

    monkeypatch.setattr(_core, "encode_json", encode)
    async with zc.ZohoCRM(fake.config(max_concurrency=2), transport=fake.transport()) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        crm.http.event_hooks["response"].append(answered)
        rows = [{"Last_Name": f"L{i}", "Email": f"s{i}@example.com"} for i in range(800)]
        results = await crm.records("Leads").upsert(rows, duplicate_check_fields=["Email"])
    assert len(encoded) == 8
    assert max(encoded) <= 2  # never more bodies waiting in memory than slots
    assert [r.index for r in results] == list(range(800)) and len(set(results.ids)) == 800


async def test_a_large_write_keeps_order_and_stays_within_the_limit(fake: FakeZohoCRM) -> None:
    fake.latency = 0.005
    async with zc.ZohoCRM(fake.config(max_concurrency=3), transport=fake.transport()) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        leads = crm.records("Leads")
        rows = [{"Last_Name": f"L{i}", "Email": f"o{i}@example.com"} for i in range(1250)]
        fake.stats.reset()
        created = await leads.create(rows)
        assert fake.stats.max_in_flight == 3
        rows[7] = {"Email": "no-last-name@example.com"}  # Zoho refuses this one
        upserted = await upsert_in_chunks(leads, rows, duplicate_check_fields=["Email"])
    assert [r.index for r in created] == list(range(1250)) and len(set(created.ids)) == 1250
    assert [r.index for r in upserted] == list(range(1250))
    assert [r.index for r in upserted.failed] == [7]
    assert [r.action for r in upserted][:7] == ["update"] * 7
    stored = sorted(r["Email"] for r in fake.records("Leads").values())
    assert stored == sorted(f"o{i}@example.com" for i in range(1250))


async def test_a_failed_chunk_is_an_error_per_record_in_place(fake: FakeZohoCRM) -> None:
    calls = 0
    inner = fake.transport()

    async def flaky(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if b'"Email":"f100@example.com"' in request.content:  # the second chunk
            return httpx.Response(500, json={"code": "INTERNAL_ERROR"}, request=request)
        return await inner.handle_async_request(request)

    config = fake.config(max_concurrency=2)
    retry = zc.RetryPolicy(max_retries=0)
    async with zc.ZohoCRM(config, transport=httpx.MockTransport(flaky), retry=retry) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        rows = [{"Last_Name": f"L{i}", "Email": f"f{i}@example.com"} for i in range(300)]
        results = await crm.records("Leads").create(rows)
    assert [r.index for r in results] == list(range(300))
    assert [r.index for r in results.failed] == list(range(100, 200))
    assert {r.code for r in results.failed} == {"INTERNAL_ERROR"}
    assert results.ids[99] is not None and results.ids[200] is not None


async def test_file_uploads_are_found_wherever_a_record_holds_them() -> None:
    from types import MappingProxyType

    from zcrm_async.managers._record_files import _has_uploads

    upload = zc.FileUpload(b"x", filename="x.txt")
    plain = [{"Last_Name": f"L{i}", "Tags": ["a", "b"], "N": i} for i in range(300)]
    assert not _has_uploads(plain) and not _has_uploads([])
    assert _has_uploads([*plain, {"File_Upload": upload}])
    assert _has_uploads([*plain, {"Files": ["not a file", upload]}])
    assert _has_uploads([MappingProxyType({"Image": upload})])
    assert not _has_uploads([{"Nested": [{"File": upload}]}])  # Zoho reads only the top level


async def test_records_are_looked_through_only_while_a_file_upload_exists() -> None:
    import gc

    from zcrm_async.managers._files import LIVE_UPLOADS
    from zcrm_async.managers._record_files import _has_uploads

    gc.collect()
    before = len(LIVE_UPLOADS)
    upload = zc.FileUpload(bytearray(b"unhashable source"), filename="x.txt")
    records = [{"Last_Name": "A", "File_Upload": upload}]
    assert len(LIVE_UPLOADS) == before + 1 and _has_uploads(records)
    del records, upload
    gc.collect()
    assert len(LIVE_UPLOADS) == before


@pytest.mark.parametrize("bad", ["", "12a", "١٢٣", "1" * 31, None, 1.5, "12\n3"])
async def test_an_update_refuses_a_bad_id_naming_its_record(crm: zc.ZohoCRM, bad: Any) -> None:
    records = [{"id": "5725767000000524157"}, {"id": 42}, {"id": " 7 "}, {"id": bad}]
    with pytest.raises(zc.InvalidArgumentError, match=r"records\[3\]\['id'\] .* is not a Zoho id"):
        await crm.records("Leads").update(records)

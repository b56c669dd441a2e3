"""bounded_map, pipeline and upsert_in_chunks: order, limits, back-pressure, errors, progress."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import anyio
import anyio.lowlevel
import pytest

import zcrm_async as zc
from zcrm_async.pipelines import abatched, bounded_map, pipeline, upsert_in_chunks
from zcrm_async.testing import FakeZohoCRM

pytestmark = pytest.mark.anyio


class Gauge:
    """Counts calls running at once."""

    def __init__(self) -> None:
        self.now = self.peak = 0

    def __enter__(self) -> None:
        self.now += 1
        self.peak = max(self.peak, self.now)

    def __exit__(self, *exc: object) -> None:
        self.now -= 1


async def test_bounded_map_keeps_input_order_and_the_limit() -> None:
    gauge = Gauge()
    reports: list[tuple[int, int | None]] = []

    async def slow_square(n: int) -> int:
        with gauge:
            await anyio.sleep(0.001 * (n % 5))
            return n * n

    result = await bounded_map(
        slow_square, range(40), limit=4, progress=lambda d, t, r: reports.append((d, t))
    )
    assert result == [n * n for n in range(40)]
    assert gauge.peak == 4
    assert reports[0] == (0, 40) and reports[-1] == (40, 40)
    assert [d for d, _ in reports] == list(range(41))


async def test_bounded_map_first_error_cancels_the_rest_as_an_exception_group() -> None:
    finished: list[int] = []

    async def work(n: int) -> int:
        if n == 3:
            raise KeyError(n)
        await anyio.sleep(0.05 if n > 3 else 0)
        finished.append(n)
        return n

    with pytest.RaisesGroup(pytest.RaisesExc(KeyError, match="3")):
        await bounded_map(work, range(20), limit=5)
    assert all(n < 3 for n in finished)  # nothing started after the failure finished


async def test_bounded_map_reports_every_concurrent_failure() -> None:
    async def work(n: int) -> int:
        with anyio.CancelScope(shield=True):  # both reach the raise despite the cancellation
            await anyio.sleep(0.01)
        raise ValueError(n)

    with pytest.RaisesGroup(ValueError, ValueError) as caught:
        await bounded_map(work, range(2), limit=2)
    assert sorted(str(e) for e in caught.value.exceptions) == ["0", "1"]


async def test_bounded_map_rejects_a_bad_limit() -> None:
    async def work(n: int) -> int:
        return n

    with pytest.raises(ValueError, match="limit"):
        await bounded_map(work, [1], limit=0)


async def test_pipeline_applies_back_pressure_to_the_source() -> None:
    produced = consumed = 0
    lead: list[int] = []

    async def source() -> AsyncIterator[int]:
        nonlocal produced
        for n in range(50):
            produced += 1
            lead.append(produced - consumed)
            yield n

    async def worker(n: int) -> None:
        nonlocal consumed
        await anyio.sleep(0.002)
        consumed += 1

    done = await pipeline(source(), worker, workers=3, buffer=2)
    assert done == consumed == 50
    # in flight: 3 in workers + 2 buffered + the one being sent
    assert max(lead) <= 3 + 2 + 1


async def test_pipeline_surfaces_worker_and_source_errors() -> None:
    async def failing_worker(n: int) -> None:
        if n == 5:
            raise RuntimeError("worker broke")

    with pytest.RaisesGroup(pytest.RaisesExc(RuntimeError, match="worker broke")):
        await pipeline(range(100), failing_worker, workers=2)

    def broken_source() -> Iterator[int]:
        yield 1
        raise OSError("source broke")

    async def worker(n: int) -> None:
        await anyio.lowlevel.checkpoint()

    with pytest.RaisesGroup(pytest.RaisesExc(OSError, match="source broke")):
        await pipeline(broken_source(), worker, workers=2)


async def test_abatched_splits_sync_and_async_sources() -> None:
    async def agen() -> AsyncIterator[int]:
        for n in range(5):
            yield n

    assert [b async for b in abatched(range(5), 2)] == [[0, 1], [2, 3], [4]]
    assert [b async for b in abatched(agen(), 5)] == [[0, 1, 2, 3, 4]]


async def test_upsert_in_chunks_streams_a_generator_in_order(
    fake: FakeZohoCRM, crm: zc.ZohoCRM
) -> None:
    reports: list[int] = []
    existing = fake.add_records("Leads", [{"Last_Name": "Old", "Email": "r7@example.com"}])

    def rows() -> Iterator[dict[str, str]]:
        for i in range(250):
            row = {"Last_Name": f"R{i}", "Email": f"r{i}@example.com"}
            if i == 120:
                row["Email"] = "not an e-mail"
            yield row

    result = await upsert_in_chunks(
        crm.records("Leads"),
        rows(),
        duplicate_check_fields=["Email"],
        workers=3,
        progress=lambda done, total, rate: reports.append(done),
    )
    assert len(result) == 250
    assert [r.index for r in result] == list(range(250))
    assert [r.index for r in result.failed] == [120]
    assert result.failed[0].code == "INVALID_DATA"
    assert result[7].id == existing[0] and result[7].action == "update"
    assert reports[0] == 0 and reports[-1] == 250
    emails = [r["Email"] for r in fake.records("Leads").values()]
    assert len(emails) == len(set(emails)) == 249


async def test_upsert_in_chunks_reports_a_failed_chunk_per_record_and_goes_on(
    fake: FakeZohoCRM, crm: zc.ZohoCRM
) -> None:
    fake.fail_next(500, path="/upsert")  # a POST is not retried after a 5xx
    rows = [{"Last_Name": f"R{i}", "Email": f"r{i}@example.com"} for i in range(300)]
    result = await upsert_in_chunks(crm.records("Leads"), rows, workers=1)
    assert [r.index for r in result] == list(range(300))
    assert [r.index for r in result.failed] == list(range(100))
    assert {r.code for r in result.failed} == {"INTERNAL_ERROR"}
    assert len(fake.records("Leads")) == 200


async def test_upsert_in_chunks_stops_on_authentication_errors(
    fake: FakeZohoCRM, crm: zc.ZohoCRM
) -> None:
    fake.fail_next(403, code="NO_PERMISSION", path="/upsert")
    rows = [{"Last_Name": f"R{i}"} for i in range(300)]
    with pytest.RaisesGroup(zc.PermissionDeniedError):
        await upsert_in_chunks(crm.records("Leads"), rows, workers=1)

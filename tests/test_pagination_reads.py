"""How many pages a listing reads: none past ``max_records``, numbered pages read concurrently
when the caller allows it (in order, no page twice), and no import on the first listing."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from urllib.parse import parse_qs

import httpx
import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

pytestmark = pytest.mark.anyio


class Recording(httpx.AsyncBaseTransport):
    """The fake's transport, keeping the query of every record list it is sent."""

    def __init__(self, fake: FakeZohoCRM) -> None:
        self.inner = fake.transport()
        self.lists: list[dict[str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/Leads"):
            query = parse_qs(request.url.query.decode())
            self.lists.append({key: values[0] for key, values in query.items()})
        return await self.inner.handle_async_request(request)


@pytest.fixture
async def recorded(fake: FakeZohoCRM) -> AsyncIterator[tuple[zc.ZohoCRM, Recording]]:
    transport = Recording(fake)
    async with zc.ZohoCRM(fake.config(), transport=transport) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        yield crm, transport


@pytest.mark.parametrize(
    ("max_records", "pages"), [(200, 1), (250, 2), (400, 2), (2000, 10), (2200, 11), (0, 0)]
)
async def test_max_records_reads_no_page_past_the_last_one_needed(
    fake: FakeZohoCRM,
    recorded: tuple[zc.ZohoCRM, Recording],
    max_records: int,
    pages: int,
) -> None:
    crm, transport = recorded
    fake.add_records("Leads", [{"Last_Name": f"L{i:04d}"} for i in range(2500)])
    leads = crm.records("Leads").list(fields=["Last_Name"], max_records=max_records)
    got = [record.id async for record in leads]
    assert len(got) == len(set(got)) == max_records
    assert len(transport.lists) == pages


async def test_a_short_list_still_stops_at_its_end(
    fake: FakeZohoCRM, recorded: tuple[zc.ZohoCRM, Recording]
) -> None:
    crm, transport = recorded
    fake.add_records("Leads", [{"Last_Name": f"L{i}"} for i in range(30)])
    got = [r async for r in crm.records("Leads").list(fields=["Last_Name"], max_records=500)]
    assert len(got) == 30 and len(transport.lists) == 1


async def _walk(crm: zc.ZohoCRM, **kwargs: object) -> list[str | None]:
    pager = crm.records("Leads").list(fields=["Last_Name"], sort_by="id", **kwargs)  # type: ignore[arg-type]
    return [record.id async for record in pager]


@pytest.mark.parametrize("records", [1, 199, 200, 1000, 1999, 2000, 2001, 2450])
async def test_concurrent_pages_keep_the_order_and_read_each_page_once(
    fake: FakeZohoCRM, recorded: tuple[zc.ZohoCRM, Recording], records: int
) -> None:
    crm, transport = recorded
    fake.add_records("Leads", [{"Last_Name": f"L{i:04d}"} for i in range(records)])
    sequential = await _walk(crm)
    sequential_requests = len(transport.lists)
    transport.lists.clear()
    concurrent = await _walk(crm, page_concurrency=4)
    assert concurrent == sequential and len(set(concurrent)) == records
    numbered = [int(query["page"]) for query in transport.lists if "page" in query]
    tokens = [query["page_token"] for query in transport.lists if "page_token" in query]
    assert len(numbered) == len(set(numbered))  # no page asked for twice
    assert all("page" not in q or "page_token" not in q for q in transport.lists)
    assert max(numbered) <= 10 and len(tokens) == len(set(tokens))
    # At most page_concurrency - 1 pages past the end of the list.
    assert sequential_requests <= len(transport.lists) <= sequential_requests + 3


async def test_concurrent_pages_are_in_flight_together_and_bounded(
    fake: FakeZohoCRM, recorded: tuple[zc.ZohoCRM, Recording]
) -> None:
    crm, _ = recorded
    fake.add_records("Leads", [{"Last_Name": f"L{i:04d}"} for i in range(2000)])
    fake.latency = 0.02
    fake.stats.reset()
    got = await _walk(crm, page_concurrency=3)
    assert len(got) == len(set(got)) == 2000
    assert fake.stats.max_in_flight == 3


async def test_concurrent_pages_respect_max_records(
    fake: FakeZohoCRM, recorded: tuple[zc.ZohoCRM, Recording]
) -> None:
    crm, transport = recorded
    fake.add_records("Leads", [{"Last_Name": f"L{i:04d}"} for i in range(3000)])
    got = await _walk(crm, page_concurrency=10, max_records=700)
    assert len(got) == len(set(got)) == 700
    assert sorted(int(query["page"]) for query in transport.lists) == [1, 2, 3, 4]


async def test_a_failed_page_of_a_batch_raises_the_sdk_error(
    fake: FakeZohoCRM, recorded: tuple[zc.ZohoCRM, Recording]
) -> None:
    crm, _ = recorded
    fake.add_records("Leads", [{"Last_Name": f"L{i:04d}"} for i in range(1000)])
    pager = crm.records("Leads").list(fields=["Last_Name"], page_concurrency=5)
    seen = 0
    with pytest.raises(zc.ZCRMError):
        async for _ in pager:
            seen += 1
            if seen == 1:  # page 1 is read; the next batch meets a refused call
                fake.fail_next(400, code="INVALID_DATA")
    assert seen == 200


@pytest.mark.parametrize("value", [0, 11, 2.0, "3"])
async def test_a_bad_page_concurrency_is_refused(crm: zc.ZohoCRM, value: object) -> None:
    with pytest.raises(zc.InvalidArgumentError, match="page_concurrency"):
        crm.records("Leads").list(fields=["Last_Name"], page_concurrency=value)  # type: ignore[arg-type]


def test_the_first_listing_imports_nothing() -> None:
    """In a fresh process, after one record read, the first ``list()`` loads no module."""
    script = textwrap.dedent(
        """
        import sys
        import anyio
        import zcrm_async as zc
        from zcrm_async.testing import FakeZohoCRM

        async def main() -> None:
            fake = FakeZohoCRM()
            (record_id,) = fake.add_records("Leads", [{"Last_Name": "First"}])
            with fake.serve_in_thread():
                async with zc.ZohoCRM(fake.config()) as crm:
                    await crm.oauth.generate_access_token(fake.issue_grant_code())
                    await crm.records("Leads").get(record_id)
                    before = set(sys.modules)
                    listed = [r async for r in crm.records("Leads").list(fields=["Last_Name"])]
                    new = sorted(set(sys.modules) - before)
            assert len(listed) == 1, listed
            print(" ".join(new) or "-")

        anyio.run(main)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip() == "-", f"the first list() imported: {out.stdout.strip()}"

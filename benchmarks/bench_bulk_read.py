"""Bulk Read benchmark (issue 5): export 200,000 records; peak memory growth and wall time.

    python benchmarks/bench_bulk_read.py [--records 200000]

The fake runs in a separate process (``python -m zcrm_async.testing serve --bulk-generate
Leads=N``), so only the client's memory is measured. The client exports every record with
``crm.bulk.read_rows`` and counts the rows (keeping none). Two runs:

* RSS: the growth of the process's peak resident set size (``VmHWM``) during the export,
  over the peak reached before it (client built, token generated, first job created and
  finished once as a warm-up). This counts everything: Python objects, C buffers, the ZIP.
* tracemalloc: the peak of Python allocations traced during a second export (slower).

Target: peak memory growth <= 50 MB. The rows go to ``benchmarks/results/bench_bulk_read.json``.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

import anyio

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import zcrm_async as zc  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _fakeserver import fake_server  # noqa: E402
from _report import Report, peak_memory  # noqa: E402

MB = 1024 * 1024


async def export(crm: zc.ZohoCRM, poll: zc.PollPolicy) -> tuple[int, float]:
    """Rows read and seconds taken; checks the ids strictly increase (no duplicates)."""
    started = time.perf_counter()
    count, last = 0, -1
    async for row in crm.bulk.read_rows(
        "Leads", fields=["Last_Name", "Email", "Company"], poll=poll
    ):
        record_id = int(row["id"])
        if record_id <= last:
            raise AssertionError(f"row {count}: id {record_id} after {last}")
        last = record_id
        count += 1
    return count, time.perf_counter() - started


async def run(records: int) -> None:
    with fake_server("--bulk-generate", f"Leads={records}") as (url, code, _):
        config = zc.Config.from_dict(
            {
                "client_id": "1000.FAKECLIENTID",
                "client_secret": "fake-client-secret",
                "redirect_uri": "http://localhost:8000/callback",
                "accounts_url": url,
                "upload_url": url,
                "current_user_email": "admin@example.com",
                "persistence": "memory",
                "timeout": 120,
                "allow_untrusted_hosts": True,  # the fake serves plain http
            }
        )
        poll = zc.PollPolicy(interval=0.05, max_interval=0.5, timeout=600)
        async with zc.ZohoCRM(config) as crm:
            await crm.oauth.generate_access_token(code)
            # Warm-up: one small job, so imports, pools and parsers exist before measuring.
            job = await crm.bulk.wait(await crm.bulk.create_read_job("Contacts"), poll=poll)
            assert job.done

            before = peak_memory()
            count, seconds = await export(crm, poll)
            rss_growth = max(0, peak_memory() - before)

            tracemalloc.start()
            traced_count, traced_seconds = await export(crm, poll)
            _, traced_peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()

    assert count == traced_count == records, (count, traced_count, records)
    print(f"python {sys.version.split()[0]}, anyio backend asyncio, records {records:,}")
    print(
        f"export 1 (RSS):         {seconds:6.2f} s, {count / seconds:9,.0f} rows/s, "
        f"peak RSS growth {rss_growth / MB:6.1f} MB"
    )
    print(
        f"export 2 (tracemalloc): {traced_seconds:6.2f} s, "
        f"tracemalloc peak {traced_peak / MB:6.1f} MB"
    )
    target = 50 * MB
    verdict = "OK" if max(rss_growth, traced_peak) <= target else "OVER"
    print(f"target: peak memory growth <= 50 MB -> {verdict}")
    report = Report("bench_bulk_read")
    report.row(f"export {records:,} rows: wall", seconds, rows_per_s=count / seconds)
    report.row(f"export {records:,} rows: peak RSS growth", None, value=rss_growth / MB, unit="MB")
    report.row(
        f"export {records:,} rows: tracemalloc peak", None, value=traced_peak / MB, unit="MB"
    )
    print(f"{len(report.rows)} rows written to {report.write()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--records", type=int, default=200_000)
    args = parser.parse_args()
    anyio.run(run, args.records)


if __name__ == "__main__":
    main()

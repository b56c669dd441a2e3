"""A nightly export worker (asyncio): the records changed since the last run, as JSON Lines.

    python nightly_export.py --out /var/exports              # config from ZCRM_* variables
    python nightly_export.py --out /tmp/exports --fake       # offline, against FakeZohoCRM

Run it from cron or a systemd timer. The first run exports everything; each run remembers when
it started (in ``<out>/last-run.txt``) and the next one asks Zoho only for records modified
since then (``If-Modified-Since``). Pages are fetched with ``page_token`` past 2,000 records,
so there is no ceiling. A file is written under a temporary name and renamed when complete.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import anyio

import zcrm_async as zc

FIELDS = ["Last_Name", "First_Name", "Email", "Company", "Modified_Time"]


async def export_changes(
    crm: zc.ZohoCRM, out_dir: Path, *, module: str = "Leads", since: datetime | None = None
) -> tuple[Path, int]:
    """Write the records of ``module`` changed since ``since`` (all if None); path and count."""
    await anyio.Path(out_dir).mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    final = out_dir / f"{module}-{stamp}.jsonl"
    partial = final.with_suffix(".partial")
    written = 0
    async with await anyio.open_file(partial, "w", encoding="utf-8") as out:
        async for record in crm.records(module).list(fields=FIELDS, modified_since=since):
            row = {"id": record.id, **{name: record.get(name) for name in FIELDS}}
            await out.write(json.dumps(row) + "\n")
            written += 1
    await anyio.Path(partial).rename(final)
    return final, written


async def nightly(crm: zc.ZohoCRM, out_dir: Path) -> tuple[Path, int]:
    """One run: export what changed since the previous run, then remember this run's start."""
    state = anyio.Path(out_dir / "last-run.txt")
    since = datetime.fromisoformat(await state.read_text()) if await state.exists() else None
    started = datetime.now(UTC).replace(microsecond=0)
    path, count = await export_changes(crm, out_dir, since=since)
    await state.write_text(started.isoformat())
    return path, count


async def offline(out_dir: Path) -> tuple[Path, int]:
    """The worker against an in-process fake holding 2,500 leads."""
    from zcrm_async.testing import FakeZohoCRM

    fake = FakeZohoCRM()
    fake.add_records("Leads", ({"Last_Name": f"Lead {n}"} for n in range(2500)))
    async with zc.ZohoCRM(fake.config(), transport=fake.transport()) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        return await nightly(crm, out_dir)


async def main(argv: list[str] | None = None) -> tuple[Path, int]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the export files")
    parser.add_argument("--fake", action="store_true", help="run offline against FakeZohoCRM")
    args = parser.parse_args(argv)
    if args.fake:
        path, count = await offline(args.out)
    else:
        async with zc.ZohoCRM(zc.Config.from_env()) as crm:
            path, count = await nightly(crm, args.out)
    print(f"exported {count} records to {path}")
    return path, count


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))

"""zcrm_async under trio: a file token store, calls in a nursery, a chunked upsert, SQLite.

    python trio_script.py            # against Zoho; the config comes from ZCRM_* variables
    python trio_script.py --fake     # offline, against an in-process FakeZohoCRM

Nothing here is trio-specific in zcrm_async: the client uses anyio, so the same code runs
under asyncio. Only the MySQL token store (asyncmy) needs asyncio.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

import anyio
import trio

import zcrm_async as zc
from zcrm_async.pipelines import bounded_map, upsert_in_chunks
from zcrm_async.stores import SQLiteStore


async def count_module(crm: zc.ZohoCRM, module: str, counts: dict[str, int]) -> None:
    counts[module] = await crm.records(module).count()


async def run(crm: zc.ZohoCRM) -> dict[str, Any]:
    """Upsert 250 leads in chunks of 100, read them back, count three modules concurrently."""
    me = await crm.users.current()
    leads = crm.records("Leads")
    people = ({"Last_Name": f"Trio {n:03}", "Email": f"trio{n:03}@example.com"} for n in range(250))
    written = await upsert_in_chunks(leads, people, duplicate_check_fields=["Email"])
    written.raise_for_failures()

    counts: dict[str, int] = {}
    async with trio.open_nursery() as nursery:
        for module in ("Leads", "Contacts", "Accounts"):
            nursery.start_soon(count_module, crm, module, counts)

    first_ids = [str(record_id) for record_id in written.ids[:5]]
    first = await bounded_map(leads.get, first_ids, limit=5)
    names = [record["Last_Name"] async for record in leads.list(fields=["Last_Name"])]
    return {
        "user": me.email,
        "written": len(written.succeeded),
        "counts": counts,
        "first": [record["Last_Name"] for record in first],
        "listed": len(names),
    }


async def sqlite_round_trip(path: Path, tokens: zc.OAuthTokens) -> bool:
    """The SQLite store under trio (stdlib sqlite3 in a worker thread)."""
    store = SQLiteStore(path)
    try:
        await store.save(tokens)
        loaded = await store.load(tokens.user_email)
    finally:
        await store.aclose()
    return loaded is not None and loaded.refresh_token == tokens.refresh_token


async def offline() -> dict[str, Any]:
    """Everything against an in-process fake; tokens in a file store in a temporary folder."""
    from zcrm_async.testing import FakeZohoCRM

    fake = FakeZohoCRM()
    with tempfile.TemporaryDirectory() as folder:
        config = fake.config(persistence=None, token_persistence_path=folder)
        async with zc.ZohoCRM(config, transport=fake.transport()) as crm:
            tokens = await crm.oauth.generate_access_token(fake.issue_grant_code())
            summary = await run(crm)
        summary["token_file"] = sorted([p.name async for p in anyio.Path(folder).iterdir()])
        summary["sqlite"] = await sqlite_round_trip(Path(folder) / "tokens.sqlite3", tokens)
    return summary


async def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fake", action="store_true", help="run offline against FakeZohoCRM")
    args = parser.parse_args(argv)
    if args.fake:
        summary = await offline()
    else:
        async with zc.ZohoCRM(zc.Config.from_env()) as crm:
            summary = await run(crm)
    print(summary)
    return summary


if __name__ == "__main__":
    trio.run(main, sys.argv[1:])

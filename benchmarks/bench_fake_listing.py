"""The fake scales (issue 16 item 5): listing N stored records costs time linear in N.

    python benchmarks/bench_fake_listing.py [--sizes 10000,25000,50000,100000] [--rounds 3]
    python benchmarks/bench_fake_listing.py --sizes 100000 --baseline-src /tmp/fake-before

For each size N the fake runs in its own process (``python -m zcrm_async.testing serve``)
holding N Leads, and every record is listed through it, page after page (``page`` up to 2,000
records, then ``page_token``), by two clients in alternating order each round:

* ``raw``: a bare ``httpx.AsyncClient`` making the same requests the SDK makes;
* ``sdk``: ``async for record in crm.records("Leads").list(fields=...)``.

It prints the wall time per side and size (median of the rounds), the time per 1,000 records
(flat when the cost is linear), and the fake's answer time for the first and the last ten pages
of the raw walk (flat when a page costs O(page size), growing when every page sorts the module).
``--baseline-src DIR`` serves the fake from another checkout (e.g. a ``git worktree`` of an older
commit) beside the current one, for a before/after in one run; a checkout without the control
endpoints is filled through the records API instead.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
from _report import Report, rotated

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import zcrm_async as zc  # noqa: E402
from tests._served import ServedFake, served_fake  # noqa: E402

FIELDS = "Last_Name,Email,Company"
CLIENT = {
    "client_id": "1000.FAKECLIENTID",
    "client_secret": "fake-client-secret",
    "redirect_uri": "http://localhost:8000/callback",
}


@contextmanager
def fake_with(records: int, source: Path | None) -> Iterator[tuple[ServedFake, dict[str, Any]]]:
    """A served fake holding ``records`` Leads (from ``source``'s checkout when given), and
    tokens from the grant code it printed."""
    env = dict(os.environ)
    if source is not None:
        # PYTHONSAFEPATH: the working directory (this checkout) must not come first.
        env.update(PYTHONPATH=str(source), PYTHONSAFEPATH="1")
    with served_fake(env=env) as served, httpx.Client(base_url=served.url, timeout=600) as http:
        answer = http.post(
            "/oauth/v2/token",
            data={**CLIENT, "grant_type": "authorization_code", "code": served.grant_code},
        )
        tokens: dict[str, Any] = answer.json()
        seeded = http.post("/__fake__/records/Leads", json={"count": records})
        if seeded.status_code != 201:  # an older fake: insert through the API, 100 a call
            headers = {"Authorization": f"Zoho-oauthtoken {tokens['access_token']}"}
            for start in range(0, records, 100):
                chunk = [
                    {"Last_Name": f"Lead {i}", "Email": f"lead{i}@example.com", "Company": "C"}
                    for i in range(start, min(records, start + 100))
                ]
                http.post("/crm/v8/Leads", json={"data": chunk}, headers=headers)
        yield served, tokens


async def raw_walk(url: str, token: str, page_times: list[float]) -> int:
    """Every record through page then page_token, as the SDK walks; each answer timed."""
    headers = {"Authorization": f"Zoho-oauthtoken {token}"}
    count, page, page_token = 0, 1, None
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=120) as http:
        while True:
            params: dict[str, Any] = {"fields": FIELDS, "per_page": 200}
            if page_token is None:
                params["page"] = page
            else:
                params["page_token"] = page_token
            started = time.perf_counter()
            answer = await http.get("/crm/v8/Leads", params=params)
            page_times.append(time.perf_counter() - started)
            if answer.status_code == 204:
                return count
            body = answer.json()
            count += len(body["data"])
            info = body["info"]
            if not info["more_records"]:
                return count
            if page * 200 < 2000 and page_token is None:
                page += 1
            else:
                page_token = info["next_page_token"]


async def sdk_walk(crm: zc.ZohoCRM) -> int:
    count = 0
    async for _ in crm.records("Leads").list(fields=FIELDS.split(",")):
        count += 1
    return count


async def measure(served: ServedFake, tokens: dict[str, Any], rounds: int) -> dict[str, Any]:
    config = zc.Config.from_dict(
        {
            **CLIENT,
            "accounts_url": served.url,
            "current_user_email": "admin@example.com",
            "persistence": "memory",
            "timeout": 120,
            "allow_untrusted_hosts": True,  # the fake serves plain http
        }
    )
    walls: dict[str, list[float]] = {"raw": [], "sdk": []}
    page_times: list[float] = []
    counts: set[int] = set()
    # The SDK starts from the raw side's refresh token.
    async with zc.ZohoCRM(config) as crm:
        await crm.oauth.generate_access_token_from_refresh_token(
            tokens["refresh_token"], "admin@example.com"
        )
        for round_ in range(rounds):
            for side in rotated(["raw", "sdk"], round_):
                started = time.perf_counter()
                if side == "raw":
                    times: list[float] = []
                    counts.add(await raw_walk(served.url, tokens["access_token"], times))
                    page_times = page_times or times
                else:
                    counts.add(await sdk_walk(crm))
                walls[side].append(time.perf_counter() - started)
    return {"walls": walls, "pages": page_times, "counts": counts}


def report(label: str, size: int, result: dict[str, Any]) -> str:
    raw = statistics.median(result["walls"]["raw"])
    sdk = statistics.median(result["walls"]["sdk"])
    pages = result["pages"]
    first = statistics.median(pages[:10]) * 1000
    last = statistics.median(pages[-10:]) * 1000
    return (
        f"| {label} | {size:,} | {sorted(result['counts'])} | {raw:.2f} | {raw / size * 1e6:.0f} "
        f"| {sdk:.2f} | {sdk / size * 1e6:.0f} | {first:.1f} | {last:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,25000,50000,100000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline-src", type=Path, default=None)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(
        "| fake | records | listed | raw wall s | raw µs/record | sdk wall s | sdk µs/record "
        "| first 10 pages ms/page | last 10 pages ms/page |"
    )
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    sources: list[tuple[str, Path | None]] = [("this tree", None)]
    if args.baseline_src is not None:
        sources.insert(0, ("baseline", args.baseline_src.resolve()))
    rows = Report("bench_fake_listing")
    for size in sizes:
        for label, source in sources:
            with fake_with(size, source) as (served, tokens):
                result = anyio.run(measure, served, tokens, args.rounds)
            print(report(label, size, result), flush=True)
            raw = rows.row(f"list {size:,} ({label}): raw httpx", result["walls"]["raw"])
            rows.row(f"list {size:,} ({label}): zcrm_async", result["walls"]["sdk"], baseline=raw)
    print(f"\n{len(rows.rows)} rows written to {rows.write()}")


if __name__ == "__main__":
    main()

"""The blocking facade's cost: the same calls through ``zcrm_async.blocking.ZohoCRM`` and
through the async client.

    python benchmarks/bench_blocking.py [--records 10000] [--calls 1000] [--rounds 5]

One fake server runs in its own process (``python -m zcrm_async.testing serve --port 0``) on
127.0.0.1, holding ``--records`` Leads. Three sides, each with one client that lives for the
whole run (created before timing):

* async: ``zcrm_async.ZohoCRM`` in ``anyio.run`` (no threads);
* blocking: ``zcrm_async.blocking.ZohoCRM`` called from the main thread;
* one hop per item: the async client on an anyio blocking portal, the pager iterated with one
  ``portal.call`` per record, which is what the facade's read-ahead avoids (list only).

Measured: (a) ``--calls`` sequential ``records("Leads").get(id)``, microseconds per call;
(b) ``for`` / ``async for`` over every Lead (200 per page), milliseconds per full listing.
Every round runs each side once, the order rotated each round (``_report.interleave``); the
table shows medians and the ratio to the async side (rows in ``benchmarks/results/``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import AsyncIterator, Callable
from functools import partial

from anyio.from_thread import BlockingPortal, start_blocking_portal

import zcrm_async as zc
from zcrm_async.blocking import ZohoCRM as BlockingZohoCRM

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _fakeserver import fake_config, fake_server
from _report import Report, interleave

FIELDS = ["Last_Name", "Email"]


def timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


class AsyncSide:
    """The async client, driven by ``portal.call`` of whole coroutines: one hop per run, so
    the time is the async client's own."""

    def __init__(self, portal: BlockingPortal, crm: zc.ZohoCRM) -> None:
        self.portal, self.crm = portal, crm

    def get(self, ids: list[str]) -> None:
        async def gets() -> None:
            leads = self.crm.records("Leads")
            for record_id in ids:
                await leads.get(record_id)

        self.portal.call(gets)

    def list(self) -> int:
        async def listing() -> int:
            return len([r async for r in self.crm.records("Leads").list(fields=FIELDS)])

        return self.portal.call(listing)

    def list_one_hop_per_item(self) -> int:
        iterator: AsyncIterator[zc.Record] = aiter(self.crm.records("Leads").list(fields=FIELDS))

        async def step() -> zc.Record | None:
            try:
                return await anext(iterator)
            except StopAsyncIteration:
                return None

        count = 0
        while self.portal.call(step) is not None:
            count += 1
        return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    with fake_server() as server, start_blocking_portal() as portal:
        cfg = fake_config(server.url)
        blocking = BlockingZohoCRM(cfg)
        blocking.oauth.generate_access_token(server.grant)
        leads = blocking.records("Leads")
        rows = [
            {"Last_Name": f"B{n:05}", "Email": f"b{n}@example.com"} for n in range(args.records)
        ]
        leads.create(rows).raise_for_failures()
        ids = [lead.id for lead in leads.list(fields=FIELDS, max_records=args.calls)]
        ids = (ids * (args.calls // len(ids) + 1))[: args.calls]
        tokens = blocking.run(lambda c: c.store.load(cfg.current_user_email or ""))

        async def open_async() -> zc.ZohoCRM:
            crm = zc.ZohoCRM(cfg)
            assert tokens is not None
            await crm.store.save(tokens)
            return crm

        crm = portal.call(open_async)
        side = AsyncSide(portal, crm)

        def blocking_get() -> None:
            manager = blocking.records("Leads")
            for record_id in ids:
                manager.get(record_id)

        def blocking_list() -> int:
            return len(list(blocking.records("Leads").list(fields=FIELDS)))

        plan: dict[str, Callable[[], object]] = {
            "get async": lambda: side.get(ids),
            "get blocking": blocking_get,
            "list async": side.list,
            "list blocking": blocking_list,
            "list hop": side.list_one_hop_per_item,
        }
        runs = interleave({name: partial(timed, run) for name, run in plan.items()}, args.rounds)
        portal.call(crm.aclose)
        blocking.close()

    report = Report("bench_blocking")
    get_async = report.row(f"(a) {args.calls} get(id): async", runs["get async"])
    report.row(f"(a) {args.calls} get(id): blocking", runs["get blocking"], baseline=get_async)
    list_async = report.row(f"(b) list {args.records}: async", runs["list async"])
    report.row(f"(b) list {args.records}: blocking", runs["list blocking"], baseline=list_async)
    report.row(
        f"(b) list {args.records}: one portal hop per item",
        runs["list hop"],
        baseline=list_async,
    )
    med = {name: statistics.median(values) for name, values in runs.items()}
    print(
        f"{args.calls} sequential get(id); every one of {args.records} Leads listed; "
        f"medians of {args.rounds} rounds"
    )
    print()
    print("| benchmark | async | blocking | ratio | one hop per item | ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    get_async_us, get_blocking = (med[k] / args.calls * 1e6 for k in ("get async", "get blocking"))
    print(
        f"| (a) get(id), µs/call | {get_async_us:.0f} | {get_blocking:.0f} | "
        f"{get_blocking / get_async_us:.2f}× | – | – |"
    )
    list_async_ms, list_blocking, list_hop = (
        med[k] * 1e3 for k in ("list async", "list blocking", "list hop")
    )
    print(
        f"| (b) list {args.records}, ms | {list_async_ms:.0f} | {list_blocking:.0f} | "
        f"{list_blocking / list_async_ms:.2f}× | {list_hop:.0f} | "
        f"{list_hop / list_async_ms:.2f}× |"
    )
    print(f"\n{len(report.rows)} rows written to {report.write()}")


if __name__ == "__main__":
    main()

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
Rounds alternate the sides; the table shows medians and the ratio to the async side.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import AsyncIterator, Callable

from anyio.from_thread import BlockingPortal, start_blocking_portal

import zcrm_async as zc
from zcrm_async.blocking import ZohoCRM as BlockingZohoCRM

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _fakeserver import fake_config, fake_server

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

        runs: dict[str, list[float]] = {
            name: []
            for name in ("get async", "get blocking", "list async", "list blocking", "list hop")
        }
        plan: list[tuple[str, Callable[[], object]]] = [
            ("get async", lambda: side.get(ids)),
            ("get blocking", blocking_get),
            ("list async", side.list),
            ("list blocking", blocking_list),
            ("list hop", side.list_one_hop_per_item),
        ]
        for _, run in plan:  # warm-up
            run()
        for round_number in range(args.rounds):
            order = plan if round_number % 2 == 0 else list(reversed(plan))
            for name, run in order:
                runs[name].append(timed(run))
        portal.call(crm.aclose)
        blocking.close()

    med = {name: statistics.median(values) for name, values in runs.items()}
    print(
        f"{args.calls} sequential get(id); every one of {args.records} Leads listed; "
        f"medians of {args.rounds} rounds"
    )
    print()
    print("| benchmark | async | blocking | ratio | one hop per item | ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    get_async, get_blocking = (med[k] / args.calls * 1e6 for k in ("get async", "get blocking"))
    print(
        f"| (a) get(id), µs/call | {get_async:.0f} | {get_blocking:.0f} | "
        f"{get_blocking / get_async:.2f}× | – | – |"
    )
    list_async, list_blocking, list_hop = (
        med[k] * 1e3 for k in ("list async", "list blocking", "list hop")
    )
    print(
        f"| (b) list {args.records}, ms | {list_async:.0f} | {list_blocking:.0f} | "
        f"{list_blocking / list_async:.2f}× | {list_hop:.0f} | {list_hop / list_async:.2f}× |"
    )


if __name__ == "__main__":
    main()

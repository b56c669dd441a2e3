"""One OS process spending from a shared Redis credit budget:
``python -m tests.cross_process.credit_worker spec.json <index>``.

Says it is ready (a file), waits for the go file, then ``tasks`` concurrent tasks each charge
1 credit ``charges`` times (giving back every ``refund_every``-th charge, if set), a millisecond
apart, and print a JSON report on stdout. The pause keeps every process charging for a while:
without it a process's whole work (a few scripts, credits taken in blocks) could end before
another one has woken to the go file, and the processes would not contend at all.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import anyio

import zcrm_async as zc

#: Seconds between one task's charges.
PAUSE = 0.001


def _wait_for(go: Path) -> None:
    deadline = time.monotonic() + 60
    while not go.exists():
        if time.monotonic() > deadline:
            raise RuntimeError("no go signal within 60 s")
        time.sleep(0.0005)


async def spend(spec: dict[str, Any]) -> dict[str, Any]:
    budget = zc.RedisCreditBudget(spec["url"], spec["budget"], key_prefix=spec["key_prefix"])
    report = {"taken": 0, "refused": 0, "refunded": 0, "started": 0.0}
    try:
        await budget.usage()  # connected before the start, so that the processes overlap
        Path(spec["ready_dir"], f"ready-{sys.argv[2]}").touch()
        go = Path(spec["ready_dir"], "go")
        await anyio.to_thread.run_sync(_wait_for, go)
        report["started"] = time.time()

        async def task() -> None:
            for n in range(1, spec["charges"] + 1):
                await anyio.sleep(PAUSE)
                try:
                    charge = await budget.charge(1)
                except zc.CreditBudgetError:
                    report["refused"] += 1
                    continue
                report["taken"] += 1
                if spec["refund_every"] and n % spec["refund_every"] == 0:
                    await budget.refund(charge)
                    report["refunded"] += 1

        async with anyio.create_task_group() as group:
            for _ in range(spec["tasks"]):
                group.start_soon(task)
        report["finished"] = time.time()
    finally:
        await budget.aclose()
    return report


if __name__ == "__main__":
    spec = json.loads(Path(sys.argv[1]).read_text())
    print(json.dumps(anyio.run(spend, spec, backend="asyncio")))

"""4 OS processes x 25 tasks spend from one Redis credit budget, in blocks: once every process
has closed (giving back its unused credits) the count is exact, nothing lost to concurrency, and
together they never spend more than the budget."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import pytest

import zcrm_async as zc
from tests.cross_process.storm import REPO
from tests.stores.server_support import fresh_key_prefix, redis_url

pytestmark = pytest.mark.redis

PROCESSES = 4
TASKS = 25
CHARGES = 20  # per task: 2,000 charges in all


def run_workers(
    tmp_path: Path, budget: int | None, refund_every: int, charges: int = CHARGES
) -> list[dict[str, Any]]:
    spec = {
        "url": redis_url(),
        "key_prefix": fresh_key_prefix(),
        "budget": budget,
        "tasks": TASKS,
        "charges": charges,
        "refund_every": refund_every,
        "ready_dir": str(tmp_path),
    }
    spec_file = tmp_path / "spec.json"
    spec_file.write_text(json.dumps(spec))
    path = os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.cross_process.credit_worker", str(spec_file), str(i)],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": path},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(PROCESSES)
    ]
    try:
        deadline = time.monotonic() + 60
        while len(list(tmp_path.glob("ready-*"))) < PROCESSES:
            assert all(worker.poll() is None for worker in workers), "a worker died"
            assert time.monotonic() < deadline, "the workers were not ready within 60 s"
            time.sleep(0.01)
        (tmp_path / "go").touch()
        outputs = [worker.communicate(timeout=90) for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.communicate(timeout=10)
    for worker, (_, errors) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, errors
    reports = [json.loads(out) for out, _ in outputs]
    reports.append({"usage": anyio.run(_usage, spec, backend="asyncio")})
    return reports


async def _usage(spec: dict[str, Any]) -> int:
    budget = zc.RedisCreditBudget(spec["url"], key_prefix=spec["key_prefix"])
    try:
        return (await budget.usage()).spent
    finally:
        await budget.aclose()


@pytest.mark.timeout(120)
def test_every_charge_and_refund_of_every_process_is_counted_exactly(tmp_path: Path) -> None:
    *reports, final = run_workers(tmp_path, budget=None, refund_every=4)
    assert sum(r["taken"] for r in reports) == PROCESSES * TASKS * CHARGES
    assert sum(r["refunded"] for r in reports) == PROCESSES * TASKS * CHARGES // 4
    assert final["usage"] == 1500  # 2,000 charged, 500 given back
    assert max(r["started"] for r in reports) < min(r["finished"] for r in reports)


@pytest.mark.timeout(120)
def test_processes_together_spend_exactly_the_budget_and_no_more(tmp_path: Path) -> None:
    # Each process asks for more than the whole budget (25 x 50 = 1,250 charges), so none
    # stops while another still holds credits in a block: they spend exactly the budget.
    *reports, final = run_workers(tmp_path, budget=1234, refund_every=0, charges=50)
    assert sum(r["taken"] for r in reports) == 1234
    assert sum(r["refused"] for r in reports) == PROCESSES * TASKS * 50 - 1234
    assert final["usage"] == 1234
    assert all(r["taken"] > 0 for r in reports)  # every process got a share

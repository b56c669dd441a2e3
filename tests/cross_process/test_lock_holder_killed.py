"""A refresh lock dies with its holder: SIGKILL the holding process, a waiter gets it at once.

Real OS processes: the holder takes the store's ``refresh_lock`` and sleeps; this process waits
for the same lock, sees that it is excluded, kills the holder with SIGKILL and must get the lock
within a second or two (a lease-based lock made everyone wait out its 60 s lease).
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.cross_process.storm import build_store, start_python

pytestmark = pytest.mark.anyio

HOLDER = """
import asyncio, json, sys
from tests.cross_process.storm import build_store

async def main():
    store = build_store(json.loads(sys.argv[1]))
    async with store.refresh_lock("ada@example.com"):
        print("held", flush=True)
        await asyncio.sleep(600)

asyncio.run(main())
"""

STORES = {
    "sqlite": lambda tmp: {"kind": "sqlite", "path": str(tmp / "tokens.sqlite3")},
    "file": lambda tmp: {"kind": "file", "path": str(tmp)},
}


def start_holder(spec: dict[str, Any]) -> subprocess.Popen[str]:
    holder = start_python(["-c", HOLDER, json.dumps(spec)])
    assert holder.stdout is not None
    line = holder.stdout.readline()  # blocks until the lock is held (or the holder died)
    if line.strip() != "held":
        holder.kill()
        raise RuntimeError(f"the holder did not take the lock: {holder.communicate()[1]}")
    return holder


@pytest.mark.parametrize("kind", sorted(STORES))
async def test_a_killed_holder_frees_the_refresh_lock_within_a_second_or_two(
    kind: str, tmp_path: Path, anyio_backend: str
) -> None:
    spec = STORES[kind](tmp_path)
    holder = start_holder(spec)
    store = build_store(spec)
    got_at: list[float] = []
    got = anyio.Event()
    try:

        async def wait_for_lock() -> None:
            async with store.refresh_lock("ada@example.com"):
                got_at.append(time.monotonic())
                got.set()

        async with anyio.create_task_group() as group:
            group.start_soon(wait_for_lock)
            await anyio.sleep(1.0)
            assert got_at == [], "the lock did not exclude another process"
            killed_at = time.monotonic()
            holder.send_signal(signal.SIGKILL)
            with anyio.fail_after(5):  # a lease would hold everyone for 60 s
                await got.wait()
        assert got_at[0] - killed_at < 2.0
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.communicate()  # reaps it and closes its pipes
        await store.aclose()

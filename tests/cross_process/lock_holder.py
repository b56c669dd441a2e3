"""A process that takes a store's refresh lock and holds it until it is killed.

``python -m tests.cross_process.lock_holder spec.json``; the spec names the store (as for the
storm), the user, and the file to create once the lock is held.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import anyio

from tests.cross_process.storm import build_store


async def hold(spec: dict[str, Any]) -> None:
    store = build_store(spec["store"])
    async with store.refresh_lock(spec["user"]):
        Path(spec["holding_file"]).touch()
        await anyio.sleep(120)  # the test kills this process long before


if __name__ == "__main__":
    asyncio.run(hold(json.loads(Path(sys.argv[1]).read_text())))

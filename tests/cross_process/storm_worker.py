"""One OS process of the refresh storm: ``python -m tests.cross_process.storm_worker spec.json``.

Builds a ``ZohoCRM`` on the shared store, signals ready, waits for the go file, then makes
``tasks`` concurrent ``crm.users.current()`` calls and prints a JSON report on stdout.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

import anyio

import zcrm_async as zc
from tests.cross_process.storm import build_store


def _ready_then_wait_for_go(spec: dict[str, Any]) -> None:
    """Say this process is ready, then wait for the others, so that the storm is real."""
    Path(spec["ready_dir"], f"ready-{spec['index']}").touch()
    go = Path(spec["ready_dir"], "go")
    deadline = time.monotonic() + 30
    while not go.exists():
        if time.monotonic() > deadline:
            raise RuntimeError("no go signal within 30 s")
        time.sleep(0.0005)


async def storm(spec: dict[str, Any]) -> dict[str, Any]:
    store = build_store(spec["store"])
    config = zc.Config(
        client_id=spec["client_id"],
        client_secret=spec["client_secret"],
        redirect_uri=spec["redirect_uri"],
        accounts_url=spec["base_url"],
        current_user_email=spec["user_email"],
        max_concurrency=spec["tasks"],
        allow_untrusted_hosts=True,  # the fake serves plain http on 127.0.0.1
    )
    emails: list[str] = []
    errors: list[str] = []
    async with zc.ZohoCRM(config, store=store) as crm:
        # Connections opened, schema checked: the storm below measures refreshes, not set-up.
        await store.load(f"warm-up-{spec['index']}@example.com")
        await anyio.to_thread.run_sync(_ready_then_wait_for_go, spec)
        started = time.time()

        async def call() -> None:
            try:
                emails.append(str((await crm.users.current()).email))
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")

        with anyio.fail_after(60):
            async with anyio.create_task_group() as group:
                for _ in range(spec["tasks"]):
                    group.start_soon(call)
        finished = time.time()
        tokens = await crm.tokens.get(spec["user_email"])  # the cached token: no I/O
    return {
        "index": spec["index"],
        "ok": len(emails),
        "emails": sorted(set(emails)),
        "errors": errors[:5],
        "access_token": tokens.access_token,
        "started": started,
        "finished": finished,
    }


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    report = asyncio.run(storm(spec))
    print(json.dumps(report))


if __name__ == "__main__":
    main()

"""4 OS processes x 50 tasks share one store and an expired token: exactly one token mint.

And for the stores shared across hosts: a lock holder killed with SIGKILL does not keep the
others waiting for more than seconds.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import pytest

import zcrm_async as zc
from tests.cross_process.storm import REPO, build_store, run_storm
from tests.stores.mysql_support import fresh_database_name, mysql_url, server_args
from tests.stores.server_support import fresh_database_url, fresh_key_prefix, redis_url

PROCESSES = 4
TASKS = 50


def _mysql_spec() -> dict[str, Any]:
    return {"kind": "mysql", **server_args(), "database": fresh_database_name()}


def _redis_spec(**options: Any) -> dict[str, Any]:
    return {"kind": "redis", "url": redis_url(), "key_prefix": fresh_key_prefix(), **options}


def _postgres_spec(**options: Any) -> dict[str, Any]:
    return {"kind": "postgres", "url": fresh_database_url(), **options}


STORES = [
    pytest.param(lambda tmp: {"kind": "file", "path": str(tmp)}, id="file"),
    pytest.param(lambda tmp: {"kind": "sqlite", "path": str(tmp / "tokens.db")}, id="sqlite"),
    pytest.param(
        lambda tmp: _mysql_spec(),
        id="mysql",
        marks=[
            pytest.mark.mysql,
            pytest.mark.skipif(mysql_url() is None, reason="set ZCRM_TEST_MYSQL_URL"),
        ],
    ),
    pytest.param(lambda tmp: _redis_spec(), id="redis", marks=pytest.mark.redis),
    pytest.param(lambda tmp: _postgres_spec(), id="postgres", marks=pytest.mark.postgres),
]


@pytest.mark.socket
@pytest.mark.timeout(120)
@pytest.mark.parametrize("make_spec", STORES)
def test_refresh_storm_across_processes_mints_exactly_one_token(
    make_spec: Any, tmp_path: Path
) -> None:
    result = run_storm(make_spec(tmp_path), tmp_path, processes=PROCESSES, tasks=TASKS)

    assert result.errors == []
    assert result.calls_ok == result.calls_expected == PROCESSES * TASKS
    assert all(report["emails"] == [result.user_email] for report in result.reports)
    assert result.mints == 1
    # Every process ended on the one minted token, and it is the one in the store.
    assert len(result.access_tokens) == 1
    assert result.stored_token in result.access_tokens
    # The workers really overlapped: each started before any other finished.
    starts = [report["started"] for report in result.reports]
    ends = [report["finished"] for report in result.reports]
    assert max(starts) < min(ends)


# A Redis lock outlives a dead holder by its TTL (2 s here; 10 s by default); a PostgreSQL
# advisory lock dies with the holder's session, which the server ends when the socket closes.
HOLDERS = [
    pytest.param(lambda: _redis_spec(lock_ttl=2.0), 2.0, id="redis", marks=pytest.mark.redis),
    pytest.param(lambda: _postgres_spec(), 0.0, id="postgres", marks=pytest.mark.postgres),
]


async def _try_lock(store_spec: dict[str, Any], user: str, wait: float) -> float:
    """Seconds it took to get ``user``'s refresh lock, waiting at most ``wait`` seconds."""
    store = build_store({**store_spec, "lock_timeout": wait})
    started = time.monotonic()
    try:
        async with store.refresh_lock(user):
            return time.monotonic() - started
    finally:
        await store.aclose()


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("make_spec", "lease"), HOLDERS)
def test_a_killed_lock_holder_is_recovered_within_seconds(
    make_spec: Any, lease: float, tmp_path: Path
) -> None:
    store_spec = make_spec()
    user = "ada@example.com"
    holding = tmp_path / "holding"
    spec_file = tmp_path / "holder.json"
    spec = {"store": store_spec, "user": user, "holding_file": str(holding)}
    spec_file.write_text(json.dumps(spec))
    path = os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])
    holder = subprocess.Popen(
        [sys.executable, "-m", "tests.cross_process.lock_holder", str(spec_file)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": path},
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not holding.exists():
            assert holder.poll() is None, f"the lock holder died: {holder.communicate()[1]}"
            assert time.monotonic() < deadline, "the lock holder did not take the lock in 30 s"
            time.sleep(0.01)
        time.sleep(lease + 0.5)  # past its first lease: only renewal keeps a Redis lock held
        with pytest.raises(zc.TokenStoreError, match="timed out"):
            anyio.run(_try_lock, store_spec, user, 0.5, backend="asyncio")
        assert holder.poll() is None

        holder.send_signal(signal.SIGKILL)
        holder.communicate(timeout=10)
        killed = time.monotonic()
        anyio.run(_try_lock, store_spec, user, 30.0, backend="asyncio")
        recovered = time.monotonic() - killed
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.communicate(timeout=10)  # reaps it and closes the pipe
    assert recovered < lease + 2.0, f"the lock came free {recovered:.1f}s after the kill"

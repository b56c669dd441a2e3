"""The multi-process refresh storm: N OS processes x M tasks, one shared store, one fake server.

The store is seeded with valid tokens whose recorded expiry is in the past, so every task of
every process needs a refresh at once; the store's cross-process ``refresh_lock`` (and the
re-read inside it) must turn that into one token mint. Used by tests/cross_process and by
benchmarks/bench_stores.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import attrs

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

REPO = Path(__file__).resolve().parents[2]


def build_store(spec: dict[str, Any]) -> zc.TokenStore:
    """The store a JSON spec describes: ``{"kind": "file"|"sqlite"|"mysql"|"redis"|..., ...}``."""
    kind = spec["kind"]
    if kind == "file":
        return zc.FileStore(spec["path"])
    if kind == "sqlite":
        from zcrm_async.stores.sqlite import SQLiteStore

        return SQLiteStore(spec["path"])
    if kind == "mysql":
        from zcrm_async.stores.mysql import MySQLStore

        return MySQLStore(**{key: value for key, value in spec.items() if key != "kind"})
    if kind == "redis":
        from zcrm_async.stores.redis import RedisStore

        return RedisStore(**{key: value for key, value in spec.items() if key != "kind"})
    if kind == "postgres":
        from zcrm_async.stores.postgres import PostgresStore

        return PostgresStore(**{key: value for key, value in spec.items() if key != "kind"})
    raise ValueError(f"unknown store kind {kind!r}")


def start_python(args: list[str]) -> subprocess.Popen[str]:
    """A Python OS process running from the repository, with piped text stdout and stderr."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.Popen(
        [sys.executable, *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
        env=env,
        text=True,
    )


@attrs.define
class StormResult:
    """What the storm did: token mints at the fake, calls made, wall time from go to done."""

    mints: int
    user_email: str
    calls_ok: int
    calls_expected: int
    access_tokens: set[str]
    stored_token: str | None
    errors: list[str]
    wall: float
    reports: list[dict[str, Any]]


async def _seed(store_spec: dict[str, Any], tokens: zc.OAuthTokens) -> None:
    store = build_store(store_spec)
    try:
        await store.save(tokens)
    finally:
        await store.aclose()


async def _stored(store_spec: dict[str, Any], user_email: str) -> zc.OAuthTokens | None:
    store = build_store(store_spec)
    try:
        return await store.load(user_email)
    finally:
        await store.aclose()


def run_storm(
    store_spec: dict[str, Any], work_dir: Path, *, processes: int = 4, tasks: int = 50
) -> StormResult:
    """Run the storm once against a fresh fake; ``work_dir`` holds the start barrier files."""
    fake = FakeZohoCRM()
    barrier = work_dir / "barrier"
    barrier.mkdir(parents=True, exist_ok=True)
    with fake.serve_in_thread() as base_url:
        issued = fake.issue_tokens()
        seeded = zc.OAuthTokens.from_token_response(issued, user_email=fake.user_email)
        seeded.expiry_time = int(time.time() * 1000) - 60_000  # valid at Zoho, expired for us
        anyio.run(_seed, store_spec, seeded, backend="asyncio")
        fake.stats.reset()

        spec = {
            "store": store_spec,
            "base_url": base_url,
            "client_id": fake.client_id,
            "client_secret": fake.client_secret,
            "redirect_uri": fake.redirect_uri,
            "user_email": fake.user_email,
            "tasks": tasks,
            "ready_dir": str(barrier),
        }
        workers = []
        for index in range(processes):
            spec_file = barrier / f"spec-{index}.json"
            spec_file.write_text(json.dumps({**spec, "index": index}))
            spec_file.chmod(0o600)  # it holds the database password
            workers.append(start_python(["-m", "tests.cross_process.storm_worker", str(spec_file)]))
        try:
            deadline = time.monotonic() + 30
            while len(list(barrier.glob("ready-*"))) < processes:
                failed = [proc for proc in workers if proc.poll() not in (None, 0)]
                if failed or time.monotonic() > deadline:
                    raise RuntimeError(f"storm workers did not start: {_stderr(failed or workers)}")
                time.sleep(0.005)
            go = time.time()
            (barrier / "go").touch()
            reports = []
            for proc in workers:
                out, err = proc.communicate(timeout=60)
                if proc.returncode != 0:
                    raise RuntimeError(f"storm worker failed ({proc.returncode}):\n{err}")
                reports.append(json.loads(out.strip().splitlines()[-1]))
        finally:
            for proc in workers:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        mints = fake.stats.token_mints
        stored = anyio.run(_stored, store_spec, fake.user_email, backend="asyncio")
    return StormResult(
        mints=mints,
        user_email=fake.user_email,
        calls_ok=sum(report["ok"] for report in reports),
        calls_expected=processes * tasks,
        access_tokens={report["access_token"] for report in reports},
        stored_token=stored.access_token if stored else None,
        errors=[error for report in reports for error in report["errors"]],
        wall=max(report["finished"] for report in reports) - go,
        reports=reports,
    )


def _stderr(workers: list[subprocess.Popen[str]]) -> str:
    texts = []
    for proc in workers:
        if proc.poll() is not None and proc.stderr is not None:
            texts.append(proc.stderr.read())
    return "\n".join(texts) or "(no output)"

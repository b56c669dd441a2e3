"""Core benchmarks (issue 2): request overhead vs raw httpx, the refresh storm, import time.

    python benchmarks/bench_core.py [--requests 2000] [--rounds 5] [--storm 1000]

(a) sequential record GETs: zcrm_async vs a raw httpx.AsyncClient sending the same request with
    the same token, against one fake server in a separate process on 127.0.0.1; rounds
    alternate between the sides and the medians are compared. A third side is the same client
    with hooks that count every event: what observing costs (with nothing attached, each step
    costs one ``None`` check).
(b) refresh storm: N concurrent tasks with an expired token on a socket-served fake: token
    mints (must be 1) and wall time.
(c) import time: ``import zcrm_async`` vs ``import httpx`` in fresh interpreters (the
    package's bytecode written first, as an install does).
(d) startup: import + first token + one call, in fresh interpreters: the SDK (a memory store
    holding an expired access token and a refresh token: it refreshes, then reads a record)
    against raw httpx making the same two requests (refresh-token POST, record GET); timed from
    the first line of the child to the end of the call, plus the child's peak memory (VmHWM).

Every comparison rotates the order of its sides each round (``_report.interleave``); the rows
go to ``benchmarks/results/bench_core.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

import anyio
import httpx
from _fakeserver import fake_server
from _report import Report, ainterleave, interleave

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM


class Counting(zc.Hooks):
    """Hooks that count every event: the cost of observing, not of what a hook then does."""

    def __init__(self) -> None:
        self.events = 0

    def _count(self, event: object) -> None:
        self.events += 1

    request_sent = response_received = retrying = rate_limited = _count
    call_finished = token_refreshed = limiter_changed = _count


async def timed(n: int, call: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    for _ in range(n):
        await call()
    return time.perf_counter() - started


async def bench_overhead(requests: int, rounds: int) -> dict[str, list[float]]:
    """Seconds per round of ``requests`` sequential GETs, per side."""
    fake = FakeZohoCRM()  # only for its default client credentials
    with fake_server() as (url, grant, _):
        config = zc.Config(
            client_id=fake.client_id,
            client_secret=fake.client_secret,
            redirect_uri=fake.redirect_uri,
            accounts_url=url,
            allow_untrusted_hosts=True,  # the fake serves plain http
            current_user_email=fake.user_email,
            persistence="memory",
        )
        async with (
            zc.ZohoCRM(config) as crm,
            zc.ZohoCRM(config, store=crm.store, hooks=Counting()) as observed,
            httpx.AsyncClient() as raw,
        ):
            tokens = await crm.oauth.generate_access_token(grant)
            leads = crm.records("Leads")
            observed_leads = observed.records("Leads")
            created = await leads.create([{"Last_Name": "Bench", "Email": "b@example.com"}])
            record_id = created[0].id
            assert record_id is not None
            headers = {"Authorization": f"Zoho-oauthtoken {tokens.access_token}"}
            record_url = f"{url}/crm/v8/Leads/{record_id}"

            async def raw_get() -> object:
                response = await raw.get(record_url, headers=headers)
                response.raise_for_status()
                return response.json()["data"][0]

            async def sdk_get() -> object:
                return await leads.get(record_id)

            async def hooked_get() -> object:
                return await observed_leads.get(record_id)

            for call in (raw_get, sdk_get, hooked_get):
                await timed(200, call)  # warm up the connection pools
            return await ainterleave(
                {
                    "raw httpx": partial(timed, requests, raw_get),
                    "zcrm_async": partial(timed, requests, sdk_get),
                    "zcrm_async, hooks": partial(timed, requests, hooked_get),
                },
                rounds,
                warmup=0,
            )


async def bench_storm(tasks: int) -> dict[str, float]:
    fake = FakeZohoCRM()
    with fake.serve_in_thread():
        async with zc.ZohoCRM(fake.config(max_concurrency=25)) as crm:
            await crm.oauth.generate_access_token(fake.issue_grant_code())
            tokens = await crm.store.load(fake.user_email)
            assert tokens is not None
            tokens.expiry_time = 0
            await crm.store.save(tokens)
            crm.tokens._cache.clear()
            fake.stats.reset()
            started = time.perf_counter()
            async with anyio.create_task_group() as group:
                for _ in range(tasks):
                    group.start_soon(crm.org.get)
            wall = time.perf_counter() - started
    return {"tasks": tasks, "mints": fake.stats.token_mints, "wall_s": wall}


def child(code: str, *args: str) -> dict[str, float]:
    """Run ``code`` in a fresh interpreter; it prints one JSON object, returned here."""
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"a benchmark child failed:\n{out.stderr[-3000:]}")
    result: dict[str, float] = json.loads(out.stdout)
    return result


_START = "t, c = time.perf_counter(), time.process_time()"
#: What every child prints at the end: wall and CPU seconds since its first line, and its
#: VmHWM in bytes.
_DONE = (
    "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0].split()[1]; "
    "print(json.dumps({'seconds': time.perf_counter() - t, 'cpu': time.process_time() - c, "
    "'rss': int(hwm) * 1024}))"
)


def compile_package() -> None:
    """Write the package's bytecode, as ``pip install`` does: without it every fresh
    interpreter compiles the SDK from source (with PYTHONDONTWRITEBYTECODE set, every time),
    while httpx, installed, loads its bytecode."""
    package = Path(zc.__file__).parent
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True)


def import_child(module: str) -> dict[str, float]:
    return child(f"import time, json; {_START}; import {module}; {_DONE}")


#: Startup, SDK side: the store holds an expired access token; the first call refreshes it.
SDK_STARTUP = """
import time, json; t, c = time.perf_counter(), time.process_time()
import asyncio, sys
import zcrm_async as zc

env = json.loads(sys.argv[1])

async def main():
    config = zc.Config(
        client_id=env["client_id"], client_secret=env["client_secret"],
        redirect_uri=env["redirect_uri"], accounts_url=env["url"],
        allow_untrusted_hosts=True, current_user_email=env["user_email"], persistence="memory",
    )
    async with zc.ZohoCRM(config) as crm:
        await crm.store.save(zc.OAuthTokens(
            env["user_email"], "expired", env["refresh_token"], 0, api_domain=env["url"]
        ))
        record = await crm.records("Leads").get(env["record_id"])
        assert record.id == env["record_id"]

asyncio.run(main())
"""

#: Startup, raw side: the same two requests with httpx.
RAW_STARTUP = """
import time, json; t, c = time.perf_counter(), time.process_time()
import asyncio, sys
import httpx

env = json.loads(sys.argv[1])

async def main():
    async with httpx.AsyncClient() as client:
        form = {
            "grant_type": "refresh_token", "client_id": env["client_id"],
            "client_secret": env["client_secret"], "refresh_token": env["refresh_token"],
        }
        answer = await client.post(env["url"] + "/oauth/v2/token", data=form)
        answer.raise_for_status()
        tokens = answer.json()
        headers = {"Authorization": "Zoho-oauthtoken " + tokens["access_token"]}
        url = tokens.get("api_domain", env["url"]) + "/crm/v8/Leads/" + env["record_id"]
        response = await client.get(url, headers=headers)
        response.raise_for_status()
        assert response.json()["data"][0]["id"] == env["record_id"]

asyncio.run(main())
"""


async def startup_env(url: str, grant: str) -> dict[str, Any]:
    """The client's credentials and a record id on the fake at ``url``, for startup children."""
    fake = FakeZohoCRM()  # only for its default client credentials
    config = zc.Config(
        client_id=fake.client_id,
        client_secret=fake.client_secret,
        redirect_uri=fake.redirect_uri,
        accounts_url=url,
        allow_untrusted_hosts=True,
        current_user_email=fake.user_email,
        persistence="memory",
    )
    async with zc.ZohoCRM(config) as crm:
        tokens = await crm.oauth.generate_access_token(grant)
        created = await crm.records("Leads").create([{"Last_Name": "Startup"}])
    return {
        "url": url,
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "redirect_uri": fake.redirect_uri,
        "user_email": tokens.user_email,
        "record_id": created[0].id,
    }


def startup_child(code: str, env: dict[str, Any]) -> dict[str, float]:
    """One startup child, with a refresh token of its own (Zoho, and the fake, allow a refresh
    token only ten access tokens per ten minutes); the token is issued before the child starts."""
    issued = httpx.post(f"{env['url']}/__fake__/tokens", json={"user_email": env["user_email"]})
    issued.raise_for_status()
    return child(code + _DONE, json.dumps({**env, "refresh_token": issued.json()["refresh_token"]}))


def children(
    codes: dict[str, Callable[[], dict[str, float]]], runs: int
) -> dict[str, dict[str, list[float]]]:
    """Wall seconds, CPU seconds and peak memory per side: ``runs`` fresh interpreters each,
    the order of the sides rotated each round."""
    figures: dict[str, dict[str, list[float]]] = {"cpu": {}, "rss": {}}

    def side(name: str) -> float:
        result = codes[name]()
        for key, values in figures.items():
            values.setdefault(name, []).append(result[key])
        return result["seconds"]

    figures["seconds"] = interleave({name: partial(side, name) for name in codes}, runs, warmup=0)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--storm", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=21, help="fresh interpreters per side")
    args = parser.parse_args()

    report = Report("bench_core")
    compile_package()
    gets = anyio.run(bench_overhead, args.requests, args.rounds)
    storm = anyio.run(bench_storm, args.storm)
    imports = children(
        {
            "raw httpx": partial(import_child, "httpx"),
            "zcrm_async": partial(import_child, "zcrm_async"),
        },
        args.runs,
    )
    with fake_server() as (url, grant, _):
        env = anyio.run(startup_env, url, grant)
        starts = children(
            {
                "raw httpx": partial(startup_child, RAW_STARTUP, env),
                "zcrm_async": partial(startup_child, SDK_STARTUP, env),
            },
            args.runs,
        )

    print("| benchmark | raw httpx | zcrm_async | ratio (target) |")
    print("|---|---|---|---|")
    per_get = {side: [s / args.requests for s in values] for side, values in gets.items()}
    label = f"(a) sequential GET, {args.requests} × {args.rounds} rounds, µs/request"
    sdk = pair(report, label, per_get, 1e6, "µs", 1.15)
    hooked = report.row(
        "(a') sequential GET, hooks counting every event: zcrm_async",
        per_get["zcrm_async, hooks"],
        baseline=sdk,
    )
    print(
        f"| (a') the same GET, hooks counting every event, µs/request | – | "
        f"{hooked['median_s'] * 1e6:.0f} | {hooked['ratio']:.3f}× of (a) |"
    )
    report.row(f"(b) refresh storm, {storm['tasks']} tasks: wall, zcrm_async", storm["wall_s"])
    print(
        f"| (b) refresh storm, {storm['tasks']} tasks, expired token | – | "
        f"{storm['mints']:.0f} mint, {storm['wall_s'] * 1000:.0f} ms wall | mints = 1 |"
    )
    runs = f"median of {args.runs} fresh interpreters, rotated"
    pair(report, f"(c) import, ms ({runs})", imports["seconds"], 1000, "ms", 1.5)
    pair(report, "(c) import: CPU time, ms", imports["cpu"], 1000, "ms", None)
    pair(report, "(c) import: peak RSS (VmHWM), MiB", imports["rss"], 2**-20, "MiB", None)
    label = f"(d) import + first token + one call, ms ({runs})"
    pair(report, label, starts["seconds"], 1000, "ms", 1.2)
    pair(
        report, "(d) import + first token + one call: CPU time, ms", starts["cpu"], 1000, "ms", 1.2
    )
    pair(report, "(d) that process's peak RSS (VmHWM), MiB", starts["rss"], 2**-20, "MiB", None)
    print(f"\n{len(report.rows)} rows written to {report.write()}")


def pair(
    report: Report,
    label: str,
    samples: dict[str, list[float]],
    scale: float,
    unit: str,
    target: float | None,
) -> dict[str, Any]:
    """Rows for raw httpx and zcrm_async (the ratio on the second), and their table line.

    Seconds go into the rows as samples; other figures (bytes) as a median ``value`` in
    ``unit``. Returns the zcrm_async row.
    """
    rows = {}
    for side in ("raw httpx", "zcrm_async"):
        if unit in ("ms", "µs"):
            figure: dict[str, Any] = {"samples": samples[side]}
        else:
            figure = {"samples": None, "value": statistics.median(samples[side]) * scale}
            figure["unit"] = unit
        rows[side] = report.row(
            f"{label}: {side}",
            **figure,
            baseline=rows.get("raw httpx"),
            target=target if side == "zcrm_async" else None,
        )
    raw, sdk = (statistics.median(samples[side]) * scale for side in ("raw httpx", "zcrm_async"))
    goal = f" (≤ {target}×)" if target else ""
    print(f"| {label} | {raw:.1f} | {sdk:.1f} | {rows['zcrm_async']['ratio']:.3f}×{goal} |")
    return rows["zcrm_async"]


if __name__ == "__main__":
    main()

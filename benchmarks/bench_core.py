"""Core benchmarks (issue 2): request overhead vs raw httpx, the refresh storm, import time.

    python benchmarks/bench_core.py [--requests 2000] [--rounds 5] [--storm 1000]

(a) sequential record GETs: zcrm_async vs a raw httpx.AsyncClient sending the same request with
    the same token, against one fake server in a separate process on 127.0.0.1; rounds
    alternate between the sides and the medians are compared. A third side is the same client
    with hooks that count every event: what observing costs (with nothing attached, each step
    costs one ``None`` check).
(b) refresh storm: N concurrent tasks with an expired token on a socket-served fake: token
    mints (must be 1) and wall time.
(c) import time: ``import zcrm_async`` vs ``import httpx`` in fresh interpreters.
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
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from functools import partial
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


#: What every child prints at the end: seconds since its first line, and its VmHWM in bytes.
_DONE = (
    "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0].split()[1]; "
    "print(json.dumps({'seconds': time.perf_counter() - t, 'rss': int(hwm) * 1024}))"
)


def import_child(module: str) -> dict[str, float]:
    return child(f"import time, json; t = time.perf_counter(); import {module}; {_DONE}")


#: Startup, SDK side: the store holds an expired access token; the first call refreshes it.
SDK_STARTUP = """
import time, json; t = time.perf_counter()
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
import time, json; t = time.perf_counter()
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
    """A refresh token and a record id on the fake at ``url``, for the startup children."""
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
        "refresh_token": tokens.refresh_token,
        "record_id": created[0].id,
    }


def children(
    codes: dict[str, Callable[[], dict[str, float]]], runs: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Seconds and peak memory per side, ``runs`` fresh interpreters each, order rotated."""
    peaks: dict[str, list[float]] = {name: [] for name in codes}

    def side(name: str) -> float:
        result = codes[name]()
        peaks[name].append(result["rss"])
        return result["seconds"]

    seconds = interleave({name: partial(side, name) for name in codes}, runs, warmup=0)
    return seconds, peaks


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--storm", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=21, help="fresh interpreters per side")
    args = parser.parse_args()

    report = Report("bench_core")
    gets = anyio.run(bench_overhead, args.requests, args.rounds)
    storm = anyio.run(bench_storm, args.storm)
    imports, import_peaks = children(
        {
            "httpx": partial(import_child, "httpx"),
            "zcrm_async": partial(import_child, "zcrm_async"),
        },
        args.runs,
    )
    with fake_server() as (url, grant, _):
        env = json.dumps(anyio.run(startup_env, url, grant))
        starts, start_peaks = children(
            {
                "raw httpx": partial(child, RAW_STARTUP + _DONE, env),
                "zcrm_async": partial(child, SDK_STARTUP + _DONE, env),
            },
            args.runs,
        )

    per_get = {side: [s / args.requests for s in values] for side, values in gets.items()}
    raw = report.row("(a) sequential GET: raw httpx", per_get["raw httpx"])
    sdk = report.row(
        "(a) sequential GET: zcrm_async", per_get["zcrm_async"], baseline=raw, target=1.15
    )
    hooked = report.row(
        "(a') sequential GET: zcrm_async, hooks counting every event",
        per_get["zcrm_async, hooks"],
        baseline=sdk,
    )
    report.row(
        f"(b) refresh storm, {storm['tasks']} tasks: wall", storm["wall_s"], mints=storm["mints"]
    )
    raw_import = report.row("(c) import: httpx", imports["httpx"])
    sdk_import = report.row(
        "(c) import: zcrm_async", imports["zcrm_async"], baseline=raw_import, target=1.5
    )
    raw_start = report.row("(d) import + first token + one call: raw httpx", starts["raw httpx"])
    sdk_start = report.row(
        "(d) import + first token + one call: zcrm_async",
        starts["zcrm_async"],
        baseline=raw_start,
        target=1.2,
    )
    raw_peak = report.row(
        "(d) peak RSS (VmHWM): raw httpx", None, value=_mib(start_peaks["raw httpx"]), unit="MiB"
    )
    sdk_peak = report.row(
        "(d) peak RSS (VmHWM): zcrm_async",
        None,
        value=_mib(start_peaks["zcrm_async"]),
        unit="MiB",
        baseline=raw_peak,
    )
    import_raw_peak = report.row(
        "(c) peak RSS after import (VmHWM): httpx",
        None,
        value=_mib(import_peaks["httpx"]),
        unit="MiB",
    )
    import_sdk_peak = report.row(
        "(c) peak RSS after import (VmHWM): zcrm_async",
        None,
        value=_mib(import_peaks["zcrm_async"]),
        unit="MiB",
        baseline=import_raw_peak,
    )

    print("| benchmark | raw httpx | zcrm_async | ratio (target) |")
    print("|---|---|---|---|")
    print(
        f"| (a) sequential GET, {args.requests} × {args.rounds} rounds, µs/request (median) | "
        f"{raw['median_s'] * 1e6:.0f} | {sdk['median_s'] * 1e6:.0f} | "
        f"{sdk['ratio']:.3f}× (≤ 1.15×) |"
    )
    print(
        f"| (a') the same GET, hooks counting every event, µs/request | – | "
        f"{hooked['median_s'] * 1e6:.0f} | {hooked['ratio']:.3f}× of (a) |"
    )
    print(
        f"| (b) refresh storm, {storm['tasks']} tasks, expired token | – | "
        f"{storm['mints']:.0f} mint, {storm['wall_s'] * 1000:.0f} ms wall | mints = 1 |"
    )
    print(
        f"| (c) import time, ms (median of {args.runs} fresh interpreters, rotated) | "
        f"{raw_import['median_s'] * 1000:.0f} | {sdk_import['median_s'] * 1000:.0f} | "
        f"{sdk_import['ratio']:.2f}× (≤ 1.5×) |"
    )
    print(
        f"| (c) peak RSS after the import, MiB | {import_raw_peak['value']:.1f} | "
        f"{import_sdk_peak['value']:.1f} | {import_sdk_peak['ratio']:.2f}× |"
    )
    print(
        f"| (d) import + first token + one call, ms (median of {args.runs}, rotated) | "
        f"{raw_start['median_s'] * 1000:.0f} | {sdk_start['median_s'] * 1000:.0f} | "
        f"{sdk_start['ratio']:.2f}× (≤ 1.2×) |"
    )
    print(
        f"| (d) peak RSS of that process, MiB | {raw_peak['value']:.1f} | "
        f"{sdk_peak['value']:.1f} | {sdk_peak['ratio']:.2f}× |"
    )
    print(f"\n{len(report.rows)} rows written to {report.write()}")


def _mib(samples: list[float]) -> float:
    return round(sorted(samples)[len(samples) // 2] / 2**20, 2)


if __name__ == "__main__":
    main()

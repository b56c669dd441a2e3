"""What the HTTP layer under httpx costs per request: httpx's transport against the SDK's.

    python benchmarks/bench_transport.py [--requests 400] [--rounds 7]

``_lean_server.py`` runs in its own process and answers each upsert of 100 records (~28 KB)
with its ~36 KB result at once (no latency), so a client's CPU time per request is the cost of
its HTTP stack. Side by side in one process, the order rotated each round, medians:

* **raw socket**: one keep-alive connection with asyncio streams, the request written by hand
  and the answer's head parsed by hand (the machine's floor);
* **httpx, its own transport**: ``httpx.AsyncClient()`` (httpcore's connection pool);
* **httpx, zcrm_async's transport**: ``httpx.AsyncClient(transport=default_transport(...))``,
  the transport every ``ZohoCRM`` uses.

Each side sends ``--requests`` sequential POSTs per round and reads every answer whole (no
JSON decoding: the HTTP layer only). Figures: client CPU µs and wall µs per request.
Results go to stdout and ``benchmarks/results/bench_transport.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from statistics import median

import httpx

from zcrm_async._http._transport import default_transport

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _fakeserver import lean_server
from _rawhttp import read_answer
from _report import Report, ainterleave
from bench_upsert import make_rows

PATH = "/crm/v8/Leads/upsert"
HEADERS = {"Authorization": "Zoho-oauthtoken 1000.lean.access", "Content-Type": "application/json"}
LIMITS = httpx.Limits(max_connections=15, max_keepalive_connections=10)


async def run(args: argparse.Namespace) -> None:
    body = json.dumps({"data": make_rows("t", 100, False)}, separators=(",", ":")).encode()
    with lean_server(0.0) as (url, _pid):
        host, port = url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        head = (
            f"POST {PATH} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Authorization: {HEADERS['Authorization']}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()

        async def raw() -> None:
            writer.write(head + body)
            await read_answer(reader)

        async with (
            httpx.AsyncClient(limits=LIMITS) as theirs,
            httpx.AsyncClient(transport=default_transport(LIMITS)) as ours,
        ):

            def through(http: httpx.AsyncClient) -> Callable[[], Awaitable[None]]:
                async def post() -> None:
                    (await http.post(url + PATH, content=body, headers=HEADERS)).raise_for_status()

                return post

            sides = {
                "raw socket (asyncio streams)": raw,
                "httpx, its own transport (httpcore)": through(theirs),
                "httpx, zcrm_async's transport": through(ours),
            }
            cpu: dict[str, list[float]] = {name: [] for name in sides}

            def timed(name: str) -> Callable[[], Awaitable[float]]:
                async def side() -> float:
                    gc.collect()
                    started, cpu_started = time.perf_counter(), time.process_time()
                    for _ in range(args.requests):
                        await sides[name]()
                    cpu[name].append((time.process_time() - cpu_started) / args.requests)
                    return (time.perf_counter() - started) / args.requests

                return side

            walls = await ainterleave({name: timed(name) for name in sides}, args.rounds)
        writer.close()
        await writer.wait_closed()

    for name in cpu:
        del cpu[name][0]  # the warm-up round ainterleave left out of ``walls``
    report = Report("bench_transport")
    names = list(sides)
    floor = report.row(f"{names[0]}: CPU per request", cpu[names[0]])
    httpx_row = report.row(f"{names[1]}: CPU per request", cpu[names[1]], baseline=floor)
    report.row(f"{names[2]}: CPU per request", cpu[names[2]], baseline=floor)
    report.row(f"{names[2]} vs httpx's: CPU per request", cpu[names[2]], baseline=httpx_row)
    for name in names:
        report.row(f"{name}: wall per request", walls[name])
    print("| side | CPU µs/request | wall µs/request | CPU × raw socket |")
    print("|---|---:|---:|---:|")
    for name in names:
        cpu_us, wall_us = median(cpu[name]) * 1e6, median(walls[name]) * 1e6
        to_raw = median(cpu[name]) / median(cpu[names[0]])
        print(f"| {name} | {cpu_us:.0f} | {wall_us:.0f} | {to_raw:.2f}× |")
    print(f"written: {report.write()}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=7)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()

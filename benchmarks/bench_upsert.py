"""REST writes of 20,000 records under a concurrency limit, against a lean server.

    python benchmarks/bench_upsert.py [--records 20000] [--latency 0.02] [--limit 10]
                                      [--rounds 5] [--baseline-json stdlib|orjson]

``_lean_server.py`` runs in its own process (raw asyncio, HTTP/1.1 keep-alive) and answers every
write with one result per record after ``--latency``. Side by side in one run, the order of the
sides rotated each round, each side writing fresh records (100 per POST, ``--limit`` at once):

* **floor**: a hand-rolled asyncio HTTP/1.1 client, one keep-alive connection per worker: the
  request head and JSON body written to the socket, the answer's head parsed and its body
  decoded. The thinnest client this machine can run.
* **bare httpx**: the same calls with an ``httpx.AsyncClient`` and ``--limit`` worker tasks.
* **zcrm_async**: ``pipelines.upsert_in_chunks``, ``records.upsert``, ``records.create`` and
  ``records.update`` (the records carrying their ids) of ``crm.records("Leads")``, with
  ``max_concurrency=--limit``.

The two baselines encode and decode with ``--baseline-json`` (the standard library's ``json``
by default: what a caller writes without extras); the SDK uses orjson when it is installed.

Each side starts from a collected heap; its own garbage collections are part of its time (and
reported apart, from ``gc.callbacks``). After each side the server says how many records it
received and how many distinct keys: ``lost`` = records not seen, ``duplicated`` = records seen
more than once; the SDK's results are checked too (one per record, none failed).

The bound set by the limit: 200 calls x 20 ms / 10 = 0.4 s. Figures are medians over the
rounds; a ratio is one side's median over the other's.
Results go to stdout (a Markdown table) and ``benchmarks/results/bench_upsert.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import httpx

import zcrm_async as zc
from zcrm_async.pipelines import upsert_in_chunks

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _fakeserver import lean_server
from _rawhttp import read_answer

Rows = list[dict[str, Any]]
CHUNK = 100


def make_rows(prefix: str, count: int, with_ids: bool) -> Rows:
    """``count`` Leads of ~280 bytes of JSON each, keyed by a unique e-mail (and id)."""
    rows = []
    for i in range(count):
        row: dict[str, Any] = {
            "Last_Name": f"Lindqvist-Øberg {i}",
            "First_Name": "Åsa",
            "Email": f"{prefix}{i}@example.com",
            "Company": f"Nordlicht Handelsgesellschaft {i % 97}",
            "Phone": f"+49 30 {i:08d}",
            "Lead_Source": "Trade Show",
            "Annual_Revenue": 125000.5 + i,
            "No_of_Employees": 40 + i % 13,
            "City": "Düsseldorf",
            "Description": "Met at the autumn fair; wants a quote for the renewal.",
        }
        if with_ids:
            row = {"id": str(5725767000002000000 + i), **row}
        rows.append(row)
    return rows


class Codec:
    """The JSON functions of the baselines."""

    def __init__(self, name: str) -> None:
        if name == "orjson":
            import orjson

            self.dumps: Callable[[Any], bytes] = orjson.dumps
            self.loads: Callable[[bytes], Any] = orjson.loads
        else:
            self.dumps = lambda value: json.dumps(
                value, ensure_ascii=False, separators=(",", ":")
            ).encode()
            self.loads = json.loads


async def floor_client(
    host: str, port: int, path: str, rows: Rows, limit: int, codec: Codec
) -> int:
    """The hand-rolled client: ``limit`` workers, each with its own keep-alive connection."""
    chunks = iter([rows[i : i + CHUNK] for i in range(0, len(rows), CHUNK)])
    items: list[Any] = []
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        "Authorization: Zoho-oauthtoken 1000.lean.access\r\n"
        "Content-Type: application/json\r\nContent-Length: "
    ).encode()

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for chunk in chunks:
                body = codec.dumps({"data": chunk, "duplicate_check_fields": ["Email"]})
                writer.write(head + str(len(body)).encode() + b"\r\n\r\n" + body)
                answer_head, answer = await read_answer(reader)
                if not answer_head.startswith(b"HTTP/1.1 2"):
                    raise RuntimeError(answer_head.decode())
                items.extend(codec.loads(answer)["data"])
        finally:
            writer.close()
            await writer.wait_closed()

    async with anyio.create_task_group() as group:
        for _ in range(limit):
            group.start_soon(worker)
    return len(items)


async def httpx_client(
    http: httpx.AsyncClient, url: str, rows: Rows, limit: int, codec: Codec
) -> int:
    """The same calls with bare httpx: ``limit`` worker tasks on one pooled client."""
    chunks = iter([rows[i : i + CHUNK] for i in range(0, len(rows), CHUNK)])
    headers = {
        "Authorization": "Zoho-oauthtoken 1000.lean.access",
        "Content-Type": "application/json",
    }
    items: list[Any] = []

    async def worker() -> None:
        for chunk in chunks:
            body = codec.dumps({"data": chunk, "duplicate_check_fields": ["Email"]})
            response = await http.post(url, content=body, headers=headers)
            response.raise_for_status()
            items.extend(codec.loads(response.content)["data"])

    async with anyio.create_task_group() as group:
        for _ in range(limit):
            group.start_soon(worker)
    return len(items)


class Side:
    """One contender: its timed rounds and the counts the server reported."""

    def __init__(self, name: str, write: Callable[[Rows], Awaitable[int]], ids: bool) -> None:
        self.name = name
        self.write = write
        self.ids = ids
        self.walls: list[float] = []
        self.cpus: list[float] = []
        self.gcs: list[float] = []
        self.lost = self.duplicated = self.failed = 0


class GcClock:
    """Seconds spent in garbage collection (all generations), from ``gc.callbacks``."""

    def __init__(self) -> None:
        self.total = 0.0
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def stop(self) -> None:
        gc.callbacks.remove(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.total += time.perf_counter() - self._started


async def run(args: argparse.Namespace) -> tuple[list[Side], float]:
    codec = Codec(args.baseline_json)
    with lean_server(args.latency) as (url, _pid):
        host, port = url.removeprefix("http://").split(":")
        config = zc.Config(
            client_id="1000.lean",
            client_secret="lean",
            redirect_uri="http://localhost/callback",
            accounts_url=url,
            allow_untrusted_hosts=True,  # the lean server serves plain http
            current_user_email="patricia@example.com",
            persistence="memory",
            max_concurrency=args.limit,
        )
        limits = httpx.Limits(max_connections=args.limit, max_keepalive_connections=args.limit)
        async with zc.ZohoCRM(config) as crm, httpx.AsyncClient(limits=limits) as http:
            await crm.oauth.generate_access_token("1000.lean.grant")
            leads = crm.records("Leads")
            upsert_url = f"{url}/crm/v8/Leads/upsert"

            async def results(call: Awaitable[zc.WriteResults]) -> int:
                written = await call
                return len(written) - len(written.failed)

            sides = [
                Side(
                    "floor: hand-rolled asyncio client",
                    lambda rows: floor_client(
                        host, int(port), "/crm/v8/Leads/upsert", rows, args.limit, codec
                    ),
                    False,
                ),
                Side(
                    "bare httpx",
                    lambda rows: httpx_client(http, upsert_url, rows, args.limit, codec),
                    False,
                ),
                Side(
                    "zcrm_async pipelines.upsert_in_chunks",
                    lambda rows: results(
                        upsert_in_chunks(leads, rows, duplicate_check_fields=["Email"])
                    ),
                    False,
                ),
                Side(
                    "zcrm_async records.upsert",
                    lambda rows: results(leads.upsert(rows, duplicate_check_fields=["Email"])),
                    False,
                ),
                Side("zcrm_async records.create", lambda rows: results(leads.create(rows)), False),
                Side("zcrm_async records.update", lambda rows: results(leads.update(rows)), True),
            ]
            clock = GcClock()
            for side in sides:  # warm every connection pool and code path
                await side.write(make_rows(f"warm-{side.name}-", 10 * CHUNK, side.ids))
            await http.get(f"{url}/stats")
            for round_no in range(args.rounds):
                shift = round_no % len(sides)
                for side in sides[shift:] + sides[:shift]:
                    rows = make_rows(f"r{round_no}-{len(side.walls)}-", args.records, side.ids)
                    gc.collect()
                    gc_before, cpu = clock.total, time.process_time()
                    started = time.perf_counter()
                    written = await side.write(rows)
                    side.walls.append(time.perf_counter() - started)
                    side.cpus.append(time.process_time() - cpu)
                    side.gcs.append(clock.total - gc_before)
                    seen = (await http.get(f"{url}/stats")).json()
                    side.lost += args.records - seen["distinct"]
                    side.duplicated += seen["records"] - seen["distinct"]
                    side.failed += args.records - written
            clock.stop()
    bound = math.ceil(args.records / CHUNK) * args.latency / args.limit
    return sides, bound


def report(sides: list[Side], bound: float, args: argparse.Namespace) -> list[dict[str, Any]]:
    floor, bare = sides[0], sides[1]
    rows = []
    print(
        "| client | wall (median) | × bound | × floor | × bare httpx | client CPU | GC "
        "| lost | duplicated | failed |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for side in sides:
        wall = statistics.median(side.walls)
        to_floor = wall / statistics.median(floor.walls)
        to_httpx = wall / statistics.median(bare.walls)
        row: dict[str, Any] = {
            "name": side.name,
            "median_s": wall,
            "samples": len(side.walls),
            "ratio_to_bound": wall / bound,
            "ratio_to_floor": to_floor,
            "ratio_to_httpx": to_httpx,
            "walls_s": side.walls,
            "client_cpu_s": statistics.median(side.cpus),
            "gc_s": statistics.median(side.gcs),
            "lost": side.lost,
            "duplicated": side.duplicated,
            "failed": side.failed,
        }
        if side is not floor:  # what the shared charts draw: the ratio to the floor
            row |= {"baseline": floor.name, "ratio": to_floor}
            if side.name.startswith("zcrm_async"):
                row["target"] = 1.10
        rows.append(row)
        print(
            f"| {side.name} | {wall:.3f} s | {wall / bound:.2f}× | {to_floor:.2f}× "
            f"| {to_httpx:.2f}× | {row['client_cpu_s']:.3f} s | {row['gc_s'] * 1000:.0f} ms "
            f"| {side.lost} | {side.duplicated} | {side.failed} |",
            flush=True,
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--limit", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--baseline-json", choices=("stdlib", "orjson"), default="stdlib")
    args = parser.parse_args()
    sides, bound = anyio.run(run, args)
    rows = report(sides, bound, args)
    out = Path(__file__).resolve().parent / "results" / "bench_upsert.json"
    out.parent.mkdir(exist_ok=True)
    command = "python benchmarks/bench_upsert.py " + " ".join(sys.argv[1:])
    result = {"script": "bench_upsert.py", "command": command.strip(), "rows": rows}
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""The client's own cost per call, without a server: SDK vs raw httpx, and what hooks add.

    python benchmarks/bench_overhead.py [--rounds 21] [--calls 500]

(The OpenTelemetry rows need the ``otel`` extra and ``opentelemetry-sdk``, both in ``dev``.)

Every side sends through the same ``httpx.MockTransport``, which answers at once with a
prebuilt body, so only client work is measured (httpx's included): CPU time per call
(``time.process_time``), the order of the sides rotated round by round in one process
(``_report.ainterleave``), medians compared; the rows go to
``benchmarks/results/bench_overhead.json``.

* raw httpx: ``AsyncClient.get`` with the token header, ``response.json()``;
* zcrm_async: ``crm.records("Leads").get(id)`` (limiter slot, token lookup, retry loop,
  bounded read, decoding, a ``Record``);
* a write: ``crm.records("Leads").upsert`` of the write benchmark's 100 records
  (``bench_upsert.make_rows``) answered with the lean server's 100 upsert results (~40 KB),
  against raw httpx posting the same body (already encoded) and reading the answer (not
  decoded), and the SDK's JSON encoding and decoding of that body and answer on their own:
  what the SDK adds beyond httpx and JSON is upsert - raw POST - encoding - decoding;
* zcrm_async with hooks: the same client observed by hooks that count every event;
* zcrm_async with OpenTelemetry: ``OpenTelemetryHooks`` on the SDK's providers (each call a
  recorded span, its counters and histogram aggregated; nothing exported, so the figure is
  the integration's and the SDK's cost, not an exporter's);
* zcrm_async with OpenTelemetry on no-op providers (the API's default when the application
  sets up no SDK): the integration attached, nothing recorded.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import anyio
import httpx
from _lean_server import write_answer
from _report import Report, ainterleave
from bench_upsert import make_rows

import zcrm_async as zc
from zcrm_async._http._envelope import decode_json, encode_json
from zcrm_async.integrations.opentelemetry import OpenTelemetryHooks

RECORD_ID = "5725767000000524157"
BODY = json.dumps(
    {"data": [{"id": RECORD_ID, "Last_Name": "Bench", "Email": "b@example.com"}]}
).encode()
URL = f"https://www.zohoapis.com/crm/v8/Leads/{RECORD_ID}"
UPSERT_URL = "https://www.zohoapis.com/crm/v8/Leads/upsert"
TOKEN = "1000.bench.bench"
LEADS = make_rows("overhead", 100, False)
WRITE = {"data": LEADS, "duplicate_check_fields": ["Email"]}
WRITTEN = write_answer([str(5725767000001000000 + i) for i in range(100)])


def answer(request: httpx.Request) -> httpx.Response:
    if request.method == "POST":
        return httpx.Response(201, content=WRITTEN, headers={"content-type": "application/json"})
    return httpx.Response(200, content=BODY, headers={"content-type": "application/json"})


class Counting(zc.Hooks):
    """Hooks that count every event: the cost of observing, not of what a hook then does."""

    def __init__(self) -> None:
        self.events = 0

    def _count(self, event: object) -> None:
        self.events += 1

    request_sent = response_received = retrying = rate_limited = _count
    call_finished = token_refreshed = limiter_changed = _count


async def sdk_client(hooks: zc.Hooks | None, **client: Any) -> zc.ZohoCRM:
    """A client with a valid token on the mock transport (``client``: more ZohoCRM arguments)."""
    config = zc.Config(
        client_id="1000.bench",
        client_secret="bench",
        redirect_uri="https://example.com/callback",
        current_user_email="ada@example.com",
        persistence="memory",
    )
    store = zc.MemoryStore()
    tokens = zc.OAuthTokens("ada@example.com", TOKEN, "1000.r.r", 2**45, "https://www.zohoapis.com")
    await store.save(tokens)
    transport = httpx.MockTransport(answer)
    return zc.ZohoCRM(config, store=store, transport=transport, hooks=hooks, **client)


async def cpu_per_call(calls: int, call: Callable[[], Awaitable[object]]) -> float:
    started = time.process_time()
    for _ in range(calls):
        await call()
    return (time.process_time() - started) / calls * 1e6


async def main(rounds: int, calls: int) -> None:
    from opentelemetry import metrics, trace
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider

    raw = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    headers = {"Authorization": f"Zoho-oauthtoken {TOKEN}"}
    plain, observed = await sdk_client(None), await sdk_client(Counting())
    recording = OpenTelemetryHooks(
        tracer_provider=TracerProvider(),
        meter_provider=MeterProvider(metric_readers=[InMemoryMetricReader()]),
    )
    no_op = OpenTelemetryHooks(
        tracer_provider=trace.NoOpTracerProvider(), meter_provider=metrics.NoOpMeterProvider()
    )
    traced, untraced = await sdk_client(recording), await sdk_client(no_op)

    async def raw_get() -> object:
        return (await raw.get(URL, headers=headers)).json()["data"][0]

    post_headers = {**headers, "Content-Type": "application/json"}
    body = encode_json(WRITE)

    async def raw_post() -> object:
        return (await raw.post(UPSERT_URL, content=body, headers=post_headers)).content

    async def encode() -> object:
        return encode_json(WRITE)

    async def decode() -> object:
        return decode_json(WRITTEN)

    sides: dict[str, Callable[[], Awaitable[object]]] = {
        "raw": raw_get,
        "sdk": lambda: plain.records("Leads").get(RECORD_ID),
        "hooks": lambda: observed.records("Leads").get(RECORD_ID),
        "otel": lambda: traced.records("Leads").get(RECORD_ID),
        "otel no-op": lambda: untraced.records("Leads").get(RECORD_ID),
        "raw POST": raw_post,
        "encode": encode,
        "decode": decode,
        "upsert": lambda: plain.records("Leads").upsert(LEADS, duplicate_check_fields=["Email"]),
    }
    for call in sides.values():
        await cpu_per_call(200, call)  # warm up
    samples = await ainterleave(
        {name: partial(cpu_per_call, calls, call) for name, call in sides.items()}, rounds
    )
    report = Report("bench_overhead")
    label = "record GET, client CPU per call"
    raw_row = report.row(f"{label}: raw httpx", _seconds(samples["raw"]))
    sdk_row = report.row(f"{label}: zcrm_async", _seconds(samples["sdk"]), baseline=raw_row)
    med = {name: statistics.median(values) for name, values in samples.items()}
    print("| client CPU per call (no server), µs | raw httpx | zcrm_async | ratio |")
    print("|---|---:|---:|---:|")
    print(f"| record GET | {med['raw']:.0f} | {med['sdk']:.0f} | {sdk_row['ratio']:.2f}× |")
    for name, what in (
        ("hooks", "hooks counting every event"),
        ("otel", "OpenTelemetry, SDK providers (recorded, not exported)"),
        ("otel no-op", "OpenTelemetry, no-op providers"),
    ):
        row = report.row(f"{label}: zcrm_async, {what}", _seconds(samples[name]), baseline=sdk_row)
        print(f"| record GET, {what} | – | {med[name]:.0f} | {row['ratio']:.3f}× of no hooks |")
    write = "upsert of 100 records, client CPU per call"
    post_row = report.row(f"{write}: raw httpx POST, body encoded", _seconds(samples["raw POST"]))
    report.row(f"{write}: zcrm_async", _seconds(samples["upsert"]), baseline=post_row)
    report.row(f"{write}: encode_json of the body", _seconds(samples["encode"]))
    report.row(f"{write}: decode_json of the answer", _seconds(samples["decode"]))
    beyond = [
        sdk - post - enc - dec
        for sdk, post, enc, dec in zip(
            samples["upsert"],
            samples["raw POST"],
            samples["encode"],
            samples["decode"],
            strict=True,
        )
    ]
    report.row(f"{write}: zcrm_async beyond httpx and JSON", _seconds(beyond))
    above = [sdk - raw for sdk, raw in zip(samples["sdk"], samples["raw"], strict=True)]
    report.row(f"{label}: zcrm_async beyond httpx", _seconds(above))
    print(
        f"\n| upsert of 100 records, µs | raw httpx POST | encode_json | decode_json | zcrm_async "
        f"| beyond httpx and JSON |\n|---|---:|---:|---:|---:|---:|\n| medians of "
        f"{rounds} rounds | {med['raw POST']:.0f} | {med['encode']:.0f} | {med['decode']:.0f} "
        f"| {med['upsert']:.0f} | {statistics.median(beyond):.0f} |"
    )
    print(f"\nrecord GET, zcrm_async beyond raw httpx: {statistics.median(above):.0f} µs")
    print(f"\n{len(report.rows)} rows written to {report.write()}")
    await raw.aclose()
    for client in (plain, observed, traced, untraced):
        await client.aclose()


def _seconds(microseconds: list[float]) -> list[float]:
    return [value / 1e6 for value in microseconds]


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--calls", type=int, default=500)
    args = parser.parse_args()
    anyio.run(main, args.rounds, args.calls)

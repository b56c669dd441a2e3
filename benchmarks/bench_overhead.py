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
from _report import Report, ainterleave

import zcrm_async as zc
from zcrm_async.integrations.opentelemetry import OpenTelemetryHooks

RECORD_ID = "5725767000000524157"
BODY = json.dumps(
    {"data": [{"id": RECORD_ID, "Last_Name": "Bench", "Email": "b@example.com"}]}
).encode()
URL = f"https://www.zohoapis.com/crm/v8/Leads/{RECORD_ID}"
TOKEN = "1000.bench.bench"


def answer(request: httpx.Request) -> httpx.Response:
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

    sides: dict[str, Callable[[], Awaitable[object]]] = {
        "raw": raw_get,
        "sdk": lambda: plain.records("Leads").get(RECORD_ID),
        "hooks": lambda: observed.records("Leads").get(RECORD_ID),
        "otel": lambda: traced.records("Leads").get(RECORD_ID),
        "otel no-op": lambda: untraced.records("Leads").get(RECORD_ID),
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

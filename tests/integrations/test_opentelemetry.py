"""OpenTelemetry hooks: a span per call, counters and a duration histogram, read back through the
SDK's in-memory span exporter and metric reader, against the fake Zoho server."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

import zcrm_async as zc
from zcrm_async.integrations.opentelemetry import INSTRUMENTATION_NAME, OpenTelemetryHooks
from zcrm_async.testing import FakeZohoCRM

pytestmark = pytest.mark.anyio


class Telemetry:
    """Providers of the OpenTelemetry SDK that keep what they get in memory."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])
        self.hooks = OpenTelemetryHooks(
            tracer_provider=self.tracer_provider, meter_provider=self.meter_provider
        )
        self.tracer = self.tracer_provider.get_tracer("the application")

    def spans(self, name: str | None = None) -> list[ReadableSpan]:
        """The finished spans of the SDK client (``name``'s only, if given), in end order."""
        return [
            span
            for span in self.exporter.get_finished_spans()
            if span.instrumentation_scope is not None
            and span.instrumentation_scope.name == INSTRUMENTATION_NAME
            and (name is None or span.name == name)
        ]

    def points(self, metric: str, **having: Any) -> list[tuple[dict[str, Any], Any]]:
        """``(attributes, point)`` of each data point of ``metric`` (cumulative) whose
        attributes include ``having``."""
        found = []
        data = self.reader.get_metrics_data()
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for item in scope.metrics:
                    if item.name == metric:
                        found += [(dict(p.attributes or {}), p) for p in item.data.data_points]
        return [(attributes, p) for attributes, p in found if having.items() <= attributes.items()]

    def count(self, metric: str, **attributes: Any) -> int:
        """The sum of ``metric``'s counter points whose attributes include ``attributes``."""
        return sum(point.value for _, point in self.points(metric, **attributes))


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    kept = Telemetry()
    yield kept
    kept.tracer_provider.shutdown()
    kept.meter_provider.shutdown()


class Watching(httpx.AsyncBaseTransport):
    """The fake's transport, noting the span current when each request goes out (the one an
    instrumented transport would nest its own span under), and slowed down if asked."""

    def __init__(self, fake: FakeZohoCRM, delay: float = 0.0) -> None:
        self.inner = fake.transport()
        self.delay = delay
        self.current: list[tuple[str, trace.SpanContext]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.current.append((request.url.path, trace.get_current_span().get_span_context()))
        if self.delay:
            await anyio.sleep(self.delay)
        return await self.inner.handle_async_request(request)


@pytest.fixture
def watching(fake: FakeZohoCRM) -> Watching:
    return Watching(fake)


@pytest.fixture
async def observed(
    fake: FakeZohoCRM, fast_retry: zc.RetryPolicy, telemetry: Telemetry, watching: Watching
) -> AsyncIterator[zc.ZohoCRM]:
    async with zc.ZohoCRM(
        fake.config(), transport=watching, retry=fast_retry, hooks=telemetry.hooks
    ) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        telemetry.exporter.clear()
        yield crm


def _attributes(span: ReadableSpan) -> dict[str, Any]:
    return dict(span.attributes or {})


async def test_a_call_is_one_client_span_with_http_attributes(
    fake: FakeZohoCRM, observed: zc.ZohoCRM, telemetry: Telemetry
) -> None:
    (lead,) = fake.add_records("Leads", [{"Last_Name": "Traced"}])
    await observed.records("Leads").get(lead)
    (span,) = telemetry.spans()
    assert span.name == "GET /crm/v8/Leads/{id}" and span.kind is SpanKind.CLIENT
    assert _attributes(span) == {
        "http.request.method": "GET",
        "url.template": "/crm/v8/Leads/{id}",
        "server.address": "fake-zoho.test",
        "http.response.status_code": 200,
        "zoho.target": "crm",
        "zoho.attempts": 1,
    }
    assert span.status.status_code is StatusCode.UNSET and span.parent is None
    assert span.start_time is not None and span.end_time is not None
    assert span.start_time <= span.end_time
    ((attributes, duration),) = telemetry.points("zoho.call.duration", **{"zoho.target": "crm"})
    assert attributes == {
        "http.request.method": "GET",
        "url.template": "/crm/v8/Leads/{id}",
        "zoho.target": "crm",
        "http.response.status_code": 200,
    }
    assert duration.count == 1 and duration.sum > 0
    assert telemetry.count("zoho.call.retries") == 0


async def test_a_retried_call_is_one_span_with_two_attempts(
    fake: FakeZohoCRM, observed: zc.ZohoCRM, telemetry: Telemetry, watching: Watching
) -> None:
    fake.fail_next(503)
    await observed.org.get()
    (span,) = telemetry.spans()
    assert _attributes(span)["zoho.attempts"] == 2
    assert _attributes(span)["http.response.status_code"] == 200
    (retry,) = span.events
    details = dict(retry.attributes or {})
    assert retry.name == "zoho.retry" and details.pop("zoho.retry.delay") > 0
    assert details == {"zoho.attempt": 1, "zoho.retry.reason": "HTTP 503"}
    assert telemetry.count("zoho.call.retries", **{"zoho.retry.reason": "HTTP 503"}) == 1
    assert telemetry.count("zoho.call.retries", **{"url.template": "/crm/v8/org"}) == 1
    # Both attempts went out while the call's one span was current.
    sent = [context.span_id for path, context in watching.current if path == "/crm/v8/org"]
    assert sent == [span.context.span_id] * 2


async def test_a_429_is_counted_and_noted_on_the_span(
    fake: FakeZohoCRM, observed: zc.ZohoCRM, telemetry: Telemetry
) -> None:
    fake.fail_next(429, retry_after=0.01)
    await observed.users.current()
    (span,) = telemetry.spans()
    limited, retry = span.events
    assert limited.name == "zoho.rate_limited"
    assert dict(limited.attributes or {}) == {"zoho.attempt": 1, "zoho.retry_after": 0.01}
    assert retry.name == "zoho.retry" and retry.attributes == {
        "zoho.attempt": 1,
        "zoho.retry.reason": "HTTP 429",
        "zoho.retry.delay": pytest.approx(0.01),
    }
    assert telemetry.count("zoho.call.rate_limited", **{"http.request.method": "GET"}) == 1
    assert telemetry.count("zoho.call.retries", **{"zoho.retry.reason": "HTTP 429"}) == 1
    # One 429 alone is no congestion: the limit stays; three more in a row cut it.
    assert telemetry.count("zoho.limiter.changes", **{"zoho.limiter.change": "cut"}) == 0
    fake.fail_next(429, retry_after=0.01, times=3)
    await observed.users.current()
    assert telemetry.count("zoho.limiter.changes", **{"zoho.limiter.change": "cut"}) == 1


async def test_token_refreshes_are_counted_and_traced_inside_the_call(
    fake: FakeZohoCRM, observed: zc.ZohoCRM, telemetry: Telemetry
) -> None:
    assert telemetry.count("zoho.token.refreshes", **{"zoho.grant_type": "authorization_code"}) == 1
    fake.expire_access_tokens()
    await observed.org.get()  # 401 INVALID_TOKEN, a refresh, the same request again
    refreshed = {"zoho.grant_type": "refresh_token", "server.address": "fake-zoho.test"}
    assert telemetry.count("zoho.token.refreshes", **refreshed) == 1
    (token_call,) = telemetry.spans("POST /oauth/v2/token")
    (call,) = telemetry.spans("GET /crm/v8/org")
    assert _attributes(token_call)["zoho.target"] == "accounts"
    assert token_call.parent is not None
    assert token_call.parent.span_id == call.context.span_id  # the refresh happened in the call
    assert _attributes(call)["zoho.attempts"] == 1


async def test_an_error_carries_zohos_code_and_the_exception_class(
    fake: FakeZohoCRM, observed: zc.ZohoCRM, telemetry: Telemetry
) -> None:
    fake.fail_next(403, code="NO_PERMISSION")
    with pytest.raises(zc.PermissionDeniedError):
        await observed.org.get()
    (span,) = telemetry.spans()
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description == "PermissionDeniedError"
    attributes = _attributes(span)
    assert attributes["error.type"] == "PermissionDeniedError"
    assert attributes["zoho.error_code"] == "NO_PERMISSION"
    assert attributes["http.response.status_code"] == 403
    ((point_attributes, point),) = telemetry.points("zoho.call.duration", **{"zoho.target": "crm"})
    assert point_attributes["error.type"] == "PermissionDeniedError" and point.count == 1


async def test_a_network_failure_has_no_status_code(
    fake: FakeZohoCRM, observed: zc.ZohoCRM, telemetry: Telemetry
) -> None:
    fake.drop_next(method="POST")
    with pytest.raises(zc.TransportError):
        await observed.request("POST", "Leads", json={"data": [{"Last_Name": "Maybe"}]})
    (span,) = telemetry.spans()
    attributes = _attributes(span)
    assert "http.response.status_code" not in attributes
    assert attributes["error.type"] == "TransportError" and attributes["zoho.attempts"] == 1
    assert span.status.status_code is StatusCode.ERROR


async def test_a_call_that_sends_nothing_still_has_a_span(
    observed: zc.ZohoCRM, telemetry: Telemetry
) -> None:
    with pytest.raises(zc.OAuthError, match="no_tokens"):
        await observed.as_user("stranger@example.com").org.get()  # no tokens: nothing sent
    (span,) = telemetry.spans()
    assert span.name == "GET /crm/v8/org"
    attributes = _attributes(span)
    assert attributes["error.type"] == "OAuthError"
    assert "server.address" not in attributes and "http.response.status_code" not in attributes
    assert attributes["url.template"] == "/crm/v8/org" and "stranger" not in repr(attributes)
    assert span.status.status_code is StatusCode.ERROR


async def test_the_span_is_a_child_of_the_callers_span_and_current_during_the_call(
    observed: zc.ZohoCRM, telemetry: Telemetry, watching: Watching
) -> None:
    with telemetry.tracer.start_as_current_span("handle request") as parent:
        await observed.org.get()
        assert trace.get_current_span() is parent  # restored after the call
    (span,) = telemetry.spans()
    assert span.parent is not None and span.parent.span_id == parent.get_span_context().span_id
    assert span.context.trace_id == parent.get_span_context().trace_id
    (current,) = [context for path, context in watching.current if path == "/crm/v8/org"]
    assert current.span_id == span.context.span_id
    assert trace.get_current_span() is trace.INVALID_SPAN


async def test_concurrent_calls_in_different_tasks_keep_their_own_spans(
    fake: FakeZohoCRM, fast_retry: zc.RetryPolicy, telemetry: Telemetry
) -> None:
    slow = Watching(fake, delay=0.02)  # every request waits: the calls overlap
    leads = fake.add_records("Leads", [{"Last_Name": f"Lead {n}"} for n in range(4)])
    parents: dict[str, trace.Span] = {}
    async with zc.ZohoCRM(
        fake.config(), transport=slow, retry=fast_retry, hooks=telemetry.hooks
    ) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        telemetry.exporter.clear()
        slow.current.clear()

        async def handle(name: str, calls: int) -> None:
            with telemetry.tracer.start_as_current_span(name) as parent:
                parents[name] = parent
                for _ in range(calls):
                    await crm.org.get()
                    assert trace.get_current_span() is parent

        async with anyio.create_task_group() as group:
            group.start_soon(handle, "task A", 3)
            group.start_soon(handle, "task B", 2)
            for lead in leads:
                group.start_soon(crm.records("Leads").get, lead)  # no parent at all
    spans = telemetry.spans()
    by_parent: dict[int | None, int] = {}
    for span in spans:
        key = span.parent.span_id if span.parent else None
        by_parent[key] = by_parent.get(key, 0) + 1
    a, b = (parents[name].get_span_context() for name in ("task A", "task B"))
    assert by_parent == {a.span_id: 3, b.span_id: 2, None: 4}
    assert all(
        _attributes(span)["url.template"] == "/crm/v8/org"
        for span in spans
        if span.parent is not None
    )
    # Each request went out under its own call's span, never a neighbour's.
    call_spans = {span.context.span_id for span in spans}
    assert len(call_spans) == 9 and {c.span_id for _, c in slow.current} == call_spans


async def test_no_secret_id_or_user_reaches_spans_or_metrics(
    fake: FakeZohoCRM, observed: zc.ZohoCRM, telemetry: Telemetry
) -> None:
    fake.add_field("Leads", "External_Lead_ID", "external")
    (lead,) = fake.add_records(
        "Leads", [{"Last_Name": "Secretive", "External_Lead_ID": "ERP/777 private"}]
    )
    leads = observed.records("Leads")
    await leads.get(lead, fields=["Last_Name"])
    await leads.by_external("External_Lead_ID").get("ERP/777 private")
    await leads.update([{"id": lead, "Company": "Hidden Inc"}])
    fake.expire_access_tokens()
    await observed.org.get()  # a refresh: its form carries the refresh token and client secret
    fake.fail_next(400, code="INVALID_DATA")
    with pytest.raises(zc.APIError):
        await leads.get(lead)
    tokens = await observed.tokens.get(fake.user_email)
    spans = telemetry.spans()
    assert len(spans) == 6
    seen = repr([(s.name, s.attributes, [(e.name, e.attributes) for e in s.events]) for s in spans])
    seen += repr([attributes for name in _METRICS for attributes, _ in telemetry.points(name)])
    assert "/crm/v8/Leads/{id}" in seen and "INVALID_DATA" in seen  # what is there, is there
    secrets = [lead, "ERP", "777", "private", "Last_Name", "Hidden", fake.user_email]
    secrets += [tokens.access_token, tokens.refresh_token, fake.client_secret, fake.client_id]
    for secret in secrets:
        assert secret not in seen, secret


_METRICS = (
    "zoho.call.duration",
    "zoho.call.retries",
    "zoho.call.rate_limited",
    "zoho.token.refreshes",
    "zoho.limiter.changes",
)


async def test_without_a_provider_the_global_one_is_used(
    fake: FakeZohoCRM, fast_retry: zc.RetryPolicy
) -> None:
    # No SDK set up globally in this process: the API's default drops the spans, calls work.
    hooks = OpenTelemetryHooks()
    async with zc.ZohoCRM(
        fake.config(), transport=fake.transport(), retry=fast_retry, hooks=hooks
    ) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        fake.fail_next(503)
        assert (await crm.org.get()).zgid
        assert trace.get_current_span() is trace.INVALID_SPAN


def test_the_sdk_never_loads_opentelemetry_by_itself() -> None:
    program = (
        "import sys, zcrm_async as zc\n"
        "zc.ZohoCRM(zc.Config(client_id='1000.x', client_secret='s', persistence='memory',"
        " redirect_uri='https://example.com/cb', current_user_email='a@example.com'))\n"
        "import zcrm_async.integrations\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('opentelemetry'))\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", program], check=True, timeout=60)

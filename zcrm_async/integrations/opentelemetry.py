"""OpenTelemetry: a span per API call and metrics of retries, 429s and token refreshes.

::

    from zcrm_async.integrations.opentelemetry import OpenTelemetryHooks

    async with ZohoCRM(config, hooks=OpenTelemetryHooks()) as crm:
        await crm.records("Leads").get(lead_id)  # one span "GET /crm/v8/Leads/{id}"

Built on :class:`~zcrm_async.Hooks`, so a client without these hooks pays nothing. The span of
a call covers all its attempts (retries and their waits included); it is a child of the span
current in the calling task, and is itself current while the call runs, so spans made below it
(an instrumented transport's, a token refresh's) nest under it. Its attributes follow
OpenTelemetry's HTTP client conventions where they fit, plus ``zoho.*`` ones, and carry no
secret, no record id and no query string:

* ``http.request.method``: ``GET``, ``POST``...;
* ``url.template``: the path, with ids and external values as ``{id}``;
* ``server.address``: the host the first attempt went to;
* ``http.response.status_code``: the final answer's status, when one came;
* ``error.type``: the class name of the exception the call raised;
* ``zoho.target``: ``crm`` (the API) or ``accounts`` (the token server);
* ``zoho.attempts``: how many attempts the call took;
* ``zoho.error_code``: Zoho's ``code`` of a final error answer (``INVALID_DATA``...).

A call that raised has status ERROR, described by the exception's class name. Each retry is a
span event ``zoho.retry`` (attempt, reason, delay), each 429 an event ``zoho.rate_limited``.
The instruments (meter ``zcrm_async``): counters ``zoho.call.retries``,
``zoho.call.rate_limited``, ``zoho.token.refreshes`` and ``zoho.limiter.changes``, and the
histogram ``zoho.call.duration`` (seconds, per call, retries included).

Needs the ``otel`` extra (``pip install "zcrm_async[otel]"``); exporting needs an OpenTelemetry
SDK set up by the application.
"""

from __future__ import annotations

import time
from contextvars import Token
from typing import TYPE_CHECKING, Any, Final

try:
    from opentelemetry import context, metrics, trace
    from opentelemetry.trace import SpanKind, Status, StatusCode
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        'zcrm_async.integrations.opentelemetry needs OpenTelemetry: pip install "zcrm_async[otel]"'
    ) from exc

from .._hooks import Hooks

if TYPE_CHECKING:
    from .._events import (
        CallFinished,
        LimiterChanged,
        RateLimited,
        RequestSent,
        Retrying,
        TokenRefreshed,
    )

__all__ = ["INSTRUMENTATION_NAME", "OpenTelemetryHooks"]

#: The name of the tracer and the meter (the instrumentation scope).
INSTRUMENTATION_NAME: Final = "zcrm_async"
#: Bucket bounds of the call duration, in seconds: OpenTelemetry's advice for HTTP client
#: durations, and longer ones for calls that waited for retries.
_DURATION_BUCKETS: Final = (
    *(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0),
    *(30.0, 60.0, 120.0),
)


class OpenTelemetryHooks(Hooks):
    """Hooks that trace each call as a span and count retries, 429s and token refreshes.

    Pass an instance as ``ZohoCRM(config, hooks=OpenTelemetryHooks())`` (with other hooks in a
    list, if any). One instance may serve several clients.

    Args:
        tracer_provider: Where the spans go; the global provider when None (spans are then
            dropped until the application sets one up).
        meter_provider: Where the measurements go; the global provider when None.
    """

    def __init__(
        self,
        *,
        tracer_provider: trace.TracerProvider | None = None,
        meter_provider: metrics.MeterProvider | None = None,
    ) -> None:
        from .. import __version__

        self._tracer = trace.get_tracer(INSTRUMENTATION_NAME, __version__, tracer_provider)
        meter = metrics.get_meter(INSTRUMENTATION_NAME, __version__, meter_provider)
        self._retries = meter.create_counter(
            "zoho.call.retries", "{retry}", "Attempts of Zoho calls that failed and were retried"
        )
        self._rate_limited = meter.create_counter(
            "zoho.call.rate_limited", "{response}", "Answers 429 (too many requests) from Zoho"
        )
        self._refreshes = meter.create_counter(
            "zoho.token.refreshes", "{token}", "Access tokens minted by Zoho's accounts server"
        )
        self._limiter_changes = meter.create_counter(
            "zoho.limiter.changes",
            "{change}",
            "Changes of the adaptive concurrency limit (cut after a 429, regrow after successes)",
        )
        self._duration = meter.create_histogram(
            "zoho.call.duration",
            "s",
            "Duration of Zoho calls, all attempts and the waits between them included",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )
        #: The span of each call in flight, and the token that made it current.
        self._open: dict[int, tuple[trace.Span, Token[context.Context]]] = {}

    def request_sent(self, event: RequestSent) -> None:
        """Open the call's span at its first attempt, made current in the calling task.

        Args:
            event: The attempt about to be sent.
        """
        if event.call_id in self._open:  # a later attempt of a call already traced
            return
        started = time.time_ns() - int(event.elapsed * 1e9)  # the call's start, not the attempt's
        span = self._start(event, started, {"server.address": event.host})
        token = context.attach(trace.set_span_in_context(span))
        self._open[event.call_id] = (span, token)

    def _start(
        self,
        event: RequestSent | CallFinished,
        start_time: int,
        attributes: dict[str, Any] | None = None,
    ) -> trace.Span:
        """A span for the call of ``event``, started at ``start_time`` (ns since the epoch)."""
        return self._tracer.start_span(
            f"{event.method} {event.path_template}",
            kind=SpanKind.CLIENT,
            attributes={**_call_attributes(event), **(attributes or {})},
            start_time=start_time,
        )

    def retrying(self, event: Retrying) -> None:
        """Count the retry and note it on the call's span.

        Args:
            event: The failed attempt and the wait before the next.
        """
        self._retries.add(1, {**_call_attributes(event), "zoho.retry.reason": event.reason})
        opened = self._open.get(event.call_id)
        if opened is not None:
            opened[0].add_event(
                "zoho.retry",
                {
                    "zoho.attempt": event.attempt,
                    "zoho.retry.reason": event.reason,
                    "zoho.retry.delay": event.delay,
                },
            )

    def rate_limited(self, event: RateLimited) -> None:
        """Count the 429 and note it on the call's span.

        Args:
            event: The attempt Zoho answered 429.
        """
        self._rate_limited.add(1, _call_attributes(event))
        opened = self._open.get(event.call_id)
        if opened is not None:
            details: dict[str, Any] = {"zoho.attempt": event.attempt}
            if event.retry_after is not None:
                details["zoho.retry_after"] = event.retry_after
            opened[0].add_event("zoho.rate_limited", details)

    def call_finished(self, event: CallFinished) -> None:
        """Close the call's span with its outcome, and record its duration.

        A call that ended before any attempt was sent (its token could not be had, say) gets
        a span too, spanning the time it took.

        Args:
            event: The call's outcome.
        """
        outcome: dict[str, Any] = {}
        if event.status_code is not None:
            outcome["http.response.status_code"] = event.status_code
        if event.error is not None:
            outcome["error.type"] = event.error
        self._duration.record(event.duration, {**_call_attributes(event), **outcome})
        opened = self._open.pop(event.call_id, None)
        if opened is None:
            span, token = self._start(event, int(event.started * 1e9)), None
        else:
            span, token = opened
        outcome["zoho.attempts"] = event.attempts
        if event.error_code is not None:
            outcome["zoho.error_code"] = event.error_code
        span.set_attributes(outcome)
        if event.error is not None:
            span.set_status(Status(StatusCode.ERROR, event.error))
        if token is not None:
            context.detach(token)
        span.end()

    def token_refreshed(self, event: TokenRefreshed) -> None:
        """Count the token minted (by grant type and accounts host; never the user).

        Args:
            event: The token minted.
        """
        self._refreshes.add(
            1, {"zoho.grant_type": event.grant_type, "server.address": event.accounts_host}
        )

    def limiter_changed(self, event: LimiterChanged) -> None:
        """Count the change of the concurrency limit (``cut`` or ``regrow``).

        Args:
            event: The change.
        """
        self._limiter_changes.add(1, {"zoho.limiter.change": event.kind})


def _call_attributes(event: RequestSent | Retrying | RateLimited | CallFinished) -> dict[str, Any]:
    """The attributes naming a call: few values each, so they also suit metrics."""
    return {
        "http.request.method": event.method,
        "url.template": event.path_template,
        "zoho.target": event.target,
    }

"""The retry decision and Retry-After parsing."""

from __future__ import annotations

import time
from email.utils import formatdate

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

import zcrm_async as zc
from zcrm_async._http._retry import parse_retry_after


def test_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 1.5 ") == 1.5
    now = time.time()
    assert parse_retry_after(formatdate(now + 30, usegmt=True), now=now) == pytest.approx(30, abs=1)
    assert parse_retry_after(formatdate(now - 30, usegmt=True), now=now) == 0.0


@given(st.text(max_size=40))
def test_retry_after_never_raises_and_is_never_negative(value: str) -> None:
    parsed = parse_retry_after(value)
    assert parsed is None or parsed >= 0


def test_which_statuses_are_retried() -> None:
    policy = zc.RetryPolicy()
    assert policy.should_retry_status(429, idempotent=False)
    assert policy.should_retry_status(503, idempotent=True)
    assert not policy.should_retry_status(500, idempotent=False)  # a POST may have happened
    assert not policy.should_retry_status(400, idempotent=True)
    assert not policy.should_retry_status(401, idempotent=True)


def test_which_errors_are_retried() -> None:
    policy = zc.RetryPolicy()
    assert policy.should_retry_error(httpx.ConnectError("refused"), idempotent=False)
    assert not policy.should_retry_error(httpx.ReadTimeout("slow"), idempotent=False)
    assert policy.should_retry_error(httpx.ReadTimeout("slow"), idempotent=True)
    assert policy.should_retry_error(httpx.RemoteProtocolError("drop"), idempotent=True)


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    policy = zc.RetryPolicy(initial_delay=1.0, max_delay=4.0, retry_after_cap=10)
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (8, 4.0)]:
        delays = {policy.delay(attempt) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1  # jitter
    assert policy.delay(1, retry_after=3) == 3
    assert policy.delay(1, retry_after=999) == 10

"""Fixtures of the bulk tests: fast job polling."""

from __future__ import annotations

import pytest

import zcrm_async as zc


@pytest.fixture
def poll() -> zc.PollPolicy:
    """Poll the fake's jobs without production delays."""
    return zc.PollPolicy(interval=0.001, max_interval=0.005, timeout=10.0)

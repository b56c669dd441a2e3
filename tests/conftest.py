"""Shared fixtures: the fake Zoho server, configs and clients wired to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest

import zcrm_async as zc

# Locally a test missing something from outside the repository skips, saying what and how to get
# it; in CI (env CI set) any skip is a failure: green must mean every test ran.
from tests._external import pytest_runtest_makereport  # noqa: F401

if TYPE_CHECKING:
    from zcrm_async.testing import FakeZohoCRM


@pytest.fixture
def fake() -> FakeZohoCRM:
    """A fresh in-process fake Zoho CRM."""
    from zcrm_async.testing import FakeZohoCRM

    return FakeZohoCRM()


@pytest.fixture
def fast_retry() -> zc.RetryPolicy:
    """Retries without the production delays, so fault tests run fast."""
    return zc.RetryPolicy(max_retries=3, initial_delay=0.001, max_delay=0.01)


@pytest.fixture
async def crm(fake: FakeZohoCRM, fast_retry: zc.RetryPolicy) -> AsyncIterator[zc.ZohoCRM]:
    """A client on the fake, in-memory store, tokens already generated for the fake's user."""
    async with zc.ZohoCRM(fake.config(), transport=fake.transport(), retry=fast_retry) as client:
        await client.oauth.generate_access_token(fake.issue_grant_code())
        yield client

"""Fixtures of the managers' tests: clients on the fake for API v2 and v8, and helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM


async def make_client(
    fake: FakeZohoCRM, retry: zc.RetryPolicy, api_version: str = "v8", **config: Any
) -> zc.ZohoCRM:
    """A client on ``fake`` with tokens generated for the fake's user."""
    client = zc.ZohoCRM(
        fake.config(api_version=api_version, **config), transport=fake.transport(), retry=retry
    )
    await client.oauth.generate_access_token(fake.issue_grant_code())
    return client


@pytest.fixture(params=["v2", "v8"])
async def any_crm(
    request: pytest.FixtureRequest, fake: FakeZohoCRM, fast_retry: zc.RetryPolicy
) -> AsyncIterator[zc.ZohoCRM]:
    """A client on API v2, then on v8: behaviour both versions share."""
    async with await make_client(fake, fast_retry, str(request.param)) as client:
        yield client


@pytest.fixture
async def crm_v2(fake: FakeZohoCRM, fast_retry: zc.RetryPolicy) -> AsyncIterator[zc.ZohoCRM]:
    """A client on API v2."""
    async with await make_client(fake, fast_retry, "v2") as client:
        yield client


def requests_to(fake: FakeZohoCRM, route: str) -> int:
    """How many requests the fake served on ``route`` (e.g. ``GET /crm/{version}/coql``)."""
    return int(fake.stats.by_route[route])


def leads(n: int, start: int = 0) -> list[dict[str, Any]]:
    """``n`` valid Leads with distinct names, e-mails and revenues."""
    return [
        {
            "Last_Name": f"Lead{i:05d}",
            "First_Name": "Ada" if i % 2 else "Bob",
            "Email": f"lead{i}@example.com",
            "Annual_Revenue": float(i * 100),
            "Company": None if i % 3 == 0 else f"Co {i % 4}",
        }
        for i in range(start, start + n)
    ]

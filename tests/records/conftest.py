"""Fixtures for the records surface: clients on the fake for API v8 (``crm``) and v2."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Everything here runs under both backends."""
    return str(request.param)


@pytest.fixture
async def crm_v2(fake: FakeZohoCRM, fast_retry: zc.RetryPolicy) -> AsyncIterator[zc.ZohoCRM]:
    """A client on the same fake speaking API v2."""
    config = fake.config(api_version="v2")
    async with zc.ZohoCRM(config, transport=fake.transport(), retry=fast_retry) as client:
        await client.oauth.generate_access_token(fake.issue_grant_code())
        yield client


@pytest.fixture(params=["v2", "v8"])
async def any_crm(
    request: pytest.FixtureRequest, fake: FakeZohoCRM, fast_retry: zc.RetryPolicy
) -> AsyncIterator[zc.ZohoCRM]:
    """A client on API v2, then on v8: for behaviour both must share."""
    config = fake.config(api_version=request.param)
    async with zc.ZohoCRM(config, transport=fake.transport(), retry=fast_retry) as client:
        await client.oauth.generate_access_token(fake.issue_grant_code())
        yield client

"""One client per API version on the fake, with every request it sends kept for inspection."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

API_VERSIONS = ("v2", "v8")


@pytest.fixture(params=API_VERSIONS)
def api_version(request: pytest.FixtureRequest) -> str:
    """The API version the client (and so the fake's behaviour) uses."""
    return str(request.param)


class Wire:
    """The CRM API requests a client sent, in order (token requests left out)."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    async def record(self, request: httpx.Request) -> None:
        if request.url.path.startswith("/crm/"):
            await request.aread()
            self.requests.append(request)

    def to(self, path_suffix: str, method: str | None = None) -> list[httpx.Request]:
        """Requests whose path ends with ``path_suffix`` (and of ``method``, if given)."""
        return [
            r
            for r in self.requests
            if r.url.path.endswith(path_suffix) and (method is None or r.method == method)
        ]


@pytest.fixture
def wire() -> Wire:
    return Wire()


@pytest.fixture
async def crm(
    fake: FakeZohoCRM, fast_retry: zc.RetryPolicy, api_version: str, wire: Wire
) -> AsyncIterator[zc.ZohoCRM]:
    """A client on the fake speaking ``api_version``, tokens generated."""
    http = httpx.AsyncClient(transport=fake.transport(), event_hooks={"request": [wire.record]})
    config = fake.config(api_version=api_version)
    async with http, zc.ZohoCRM(config, http_client=http, retry=fast_retry) as client:
        await client.oauth.generate_access_token(fake.issue_grant_code())
        yield client

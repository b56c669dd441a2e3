"""Fixtures for testing the fake Zoho CRM directly over raw httpx."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from zcrm_async.testing import FakeZohoCRM


class FakeClock:
    """A manual clock for the fake's token windows and expiries."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(clock: FakeClock) -> FakeZohoCRM:
    return FakeZohoCRM(clock=clock)


@pytest.fixture
async def http(fake: FakeZohoCRM) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as client:
        yield client


@pytest.fixture
def tokens(fake: FakeZohoCRM) -> dict[str, Any]:
    return fake.issue_tokens()


@pytest.fixture
def auth(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Zoho-oauthtoken {tokens['access_token']}"}


class Api:
    """Shorthand for authenticated CRM calls: ``await api.get("/Leads", params=...)``."""

    def __init__(self, http: httpx.AsyncClient, auth: dict[str, str], version: str = "v8"):
        self.http, self.auth, self.version = http, auth, version

    def at(self, version: str) -> Api:
        return Api(self.http, self.auth, version)

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.auth, **kwargs.pop("headers", {})}
        url = f"/crm/{self.version}{path}"
        return await self.http.request(method, url, headers=headers, **kwargs)

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", path, **kwargs)

    async def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PUT", path, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("DELETE", path, **kwargs)


@pytest.fixture
def api(http: httpx.AsyncClient, auth: dict[str, str]) -> Api:
    return Api(http, auth)


def leads(n: int, start: int = 0) -> list[dict[str, Any]]:
    """``n`` valid Leads."""
    return [
        {"Last_Name": f"Lead{i:05d}", "Email": f"lead{i}@example.com"}
        for i in range(start, start + n)
    ]


async def exchange_code(
    http: httpx.AsyncClient, fake: FakeZohoCRM, code: str, redirect_uri: str | None = None
) -> dict[str, Any]:
    """The token endpoint's answer to a grant code."""
    answer = await http.post(
        "/oauth/v2/token",
        data={
            "grant_type": "authorization_code",
            "client_id": fake.client_id,
            "client_secret": fake.client_secret,
            "redirect_uri": redirect_uri or fake.redirect_uri,
            "code": code,
        },
    )
    tokens: dict[str, Any] = answer.json()
    return tokens

"""What a browser does between the app and Zoho's consent page, for the web-login tests."""

from __future__ import annotations

import httpx

from zcrm_async.testing import FakeZohoCRM

SECRET = "test-secret-key-that-is-long-enough-0123456789"
APP_URL = "http://localhost:8000"  # the origin of the fake's registered redirect_uri


class RecordingTransport(httpx.AsyncBaseTransport):
    """Passes requests to ``inner`` and remembers their URLs."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.urls: list[httpx.URL] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(request.url)
        return await self.inner.handle_async_request(request)

    def hosts(self, path: str) -> list[str]:
        """The hosts every request to ``path`` went to."""
        return [url.host for url in self.urls if url.path == path]


async def consent(
    fake: FakeZohoCRM,
    authorization_url: str,
    user: str,
    *,
    dc: str | None = None,
    deny: bool = False,
) -> httpx.URL:
    """Sign in to the fake Zoho as ``user`` and consent; the callback URL Zoho redirects to."""
    headers = {"X-Fake-Zoho-User": user}
    if dc is not None:
        headers["X-Fake-Zoho-DC"] = dc
    if deny:
        headers["X-Fake-Zoho-Consent"] = "deny"
    async with httpx.AsyncClient(transport=fake.transport()) as zoho:
        answer = await zoho.get(authorization_url, headers=headers)
    assert answer.status_code == 302, answer.text
    return httpx.URL(answer.headers["location"])

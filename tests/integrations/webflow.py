"""What a browser does between the app and Zoho's consent page, for the web-login tests."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from zcrm_async.testing import FakeZohoCRM

SECRET = "test-secret-key-that-is-long-enough-0123456789"
APP_URL = "http://localhost:8000"  # the origin of the fake's registered redirect_uri

#: ``next`` values that would send a browser to another site, by payload family.
HOSTILE_NEXT = [
    # scheme-relative and absolute URLs
    "//evil.example",
    "///evil.example/x",
    "https://evil.example/",
    "https:evil.example",
    "http:/evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "//user:pass@evil.example",
    "evil.example",
    "@evil.example",
    # backslashes, which browsers read as slashes
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    # tab, newline and other control characters, which browsers drop
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    " //evil.example",
    "/\x00/evil.example",
    "\x7f//evil.example",
    # percent-encoded variants of all of the above
    "/%09/evil.example",
    "/%0d%0a/evil.example",
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "/%5Cevil.example",
    "%2F%2Fevil.example",
    "%09//evil.example",
]


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


@contextmanager
def unreachable_url() -> Iterator[str]:
    """A local address where nothing listens: the port is bound, never listened on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"

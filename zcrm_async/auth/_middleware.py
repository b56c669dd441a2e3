"""``ZohoAuth``: the ``httpx.Auth`` that signs requests and survives token expiry."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator

import httpx

from .._http._envelope import zoho_code
from ._tokens import TokenManager

__all__ = ["ZohoAuth"]


class ZohoAuth(httpx.Auth):
    """Adds ``Authorization: Zoho-oauthtoken …`` for one user.

    On 401 ``INVALID_TOKEN`` it refreshes only if the rejected token is still the current one
    (compare-and-refresh, so N concurrent 401s mint one token) and replays the request exactly
    once. Other 401 codes (e.g. ``OAUTH_SCOPE_MISMATCH``) are returned as they are. No lock is
    held while the request itself is in flight.
    """

    def __init__(self, tokens: TokenManager, user_email: str) -> None:
        self._tokens = tokens
        self.user_email = user_email

    def __repr__(self) -> str:
        return f"ZohoAuth(user_email={self.user_email!r})"

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        """zcrm_async is async-only."""
        raise RuntimeError("ZohoAuth works only with httpx.AsyncClient")
        yield request  # pragma: no cover

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Sign, send, and on 401 INVALID_TOKEN refresh-if-still-current and replay once."""
        # httpx ignores requires_request_body/requires_response_body once this method is
        # overridden: read both explicitly, or the replay fails with StreamConsumed and the 401
        # body with ResponseNotRead.
        await request.aread()
        tokens = await self._tokens.get(self.user_email)
        request.headers["Authorization"] = f"Zoho-oauthtoken {tokens.access_token}"
        response = yield request
        if response.status_code != 401:
            return
        await response.aread()
        if zoho_code(response) != "INVALID_TOKEN":
            return
        tokens = await self._tokens.get(self.user_email, stale=tokens.access_token)
        request.headers["Authorization"] = f"Zoho-oauthtoken {tokens.access_token}"
        yield request

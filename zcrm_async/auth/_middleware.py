"""How requests are signed: ``ZohoAuth`` for a user's tokens, a fixed token for grant-time calls.

Both give the request path its token once per attempt (:meth:`token`), whose ``api_domain``
also picks the host, and say what to use after Zoho rejected it (:meth:`refreshed`).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from typing import TYPE_CHECKING, Protocol

import httpx

from .._exceptions import InvalidArgumentTypeError
from .._http._envelope import Answer, zoho_code

if TYPE_CHECKING:
    from .._models import OAuthTokens
    from ._tokens import TokenManager

__all__ = ["FixedToken", "Signer", "ZohoAuth", "authorization", "rejects_token"]


def authorization(tokens: OAuthTokens) -> str:
    """The ``Authorization`` header value for ``tokens``."""
    return f"Zoho-oauthtoken {tokens.access_token}"


def rejects_token(answer: Answer) -> bool:
    """True for Zoho's ``401 INVALID_TOKEN``: the token expired or was revoked early.

    Other 401 codes (``OAUTH_SCOPE_MISMATCH``...) do not get better with a new token.
    """
    return answer.status_code == 401 and zoho_code(answer.json_or_text()) == "INVALID_TOKEN"


class Signer(Protocol):
    """What the request path needs from whoever signs its requests."""

    async def token(self) -> OAuthTokens:
        """The tokens to sign the next attempt with."""
        ...

    async def refreshed(self, rejected: OAuthTokens) -> OAuthTokens | None:
        """Tokens to replay with after Zoho rejected ``rejected``; None: do not replay."""
        ...


class ZohoAuth(httpx.Auth):
    """Adds ``Authorization: Zoho-oauthtoken …`` for one user.

    On 401 ``INVALID_TOKEN`` it refreshes only if the rejected token is still the current one
    (compare-and-refresh, so N concurrent 401s mint one token) and replays the request exactly
    once. Other 401 codes (e.g. ``OAUTH_SCOPE_MISMATCH``) are returned as they are. No lock is
    held while the request itself is in flight. Usable as the ``auth=`` of your own
    ``httpx.AsyncClient``; the client's request path uses the same two steps.

    Args:
        tokens: The client's token manager (``crm.tokens``).
        user_email: The user whose tokens sign the requests.
    """

    def __init__(self, tokens: TokenManager, user_email: str) -> None:
        self._tokens = tokens
        self.user_email = user_email

    def __repr__(self) -> str:
        return f"ZohoAuth(user_email={self.user_email!r})"

    async def token(self) -> OAuthTokens:
        """The user's current tokens (cached; refreshed first when about to expire).

        Returns:
            The tokens.

        Raises:
            OAuthError: No tokens are stored for the user, Zoho refused the refresh, or the token
                endpoint did not answer in time.
            TokenStoreError: The refreshed tokens could not be saved in time.
        """
        return await self._tokens.get(self.user_email)

    async def refreshed(self, rejected: OAuthTokens) -> OAuthTokens:
        """Tokens newer than ``rejected``: refreshed now unless another task already did.

        Args:
            rejected: The tokens Zoho just refused.

        Returns:
            Fresh tokens.

        Raises:
            OAuthError: Zoho refused the refresh, or did not answer in time.
            TokenStoreError: The refreshed tokens could not be saved in time.
        """
        return await self._tokens.get(self.user_email, stale=rejected.access_token)

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        """Refused: zcrm_async is async-only.

        Args:
            request: The request httpx would sign.

        Yields:
            Nothing; it raises first.

        Raises:
            InvalidArgumentTypeError: Always; use ``httpx.AsyncClient``.
        """
        raise InvalidArgumentTypeError("ZohoAuth works only with httpx.AsyncClient")
        yield request  # pragma: no cover

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Sign, send, and on 401 INVALID_TOKEN refresh-if-still-current and replay once.

        Args:
            request: The request to sign.

        Yields:
            The signed request, and once more after a refresh if Zoho refused the token.
        """
        # httpx ignores requires_request_body/requires_response_body once this method is
        # overridden: read both explicitly, or the replay fails with StreamConsumed and the 401
        # body with ResponseNotRead.
        await request.aread()
        tokens = await self.token()
        request.headers["Authorization"] = authorization(tokens)
        response = yield request
        if response.status_code != 401:
            return
        await response.aread()
        if not rejects_token(Answer(response)):
            return
        tokens = await self.refreshed(tokens)
        request.headers["Authorization"] = authorization(tokens)
        yield request


class FixedToken:
    """Signs with tokens given up front (a grant's, before its user is known); no refresh."""

    def __init__(self, tokens: OAuthTokens) -> None:
        self.tokens = tokens

    def __repr__(self) -> str:
        return f"FixedToken(user_email={self.tokens.user_email!r})"

    async def token(self) -> OAuthTokens:
        """The fixed tokens."""
        return self.tokens

    async def refreshed(self, rejected: OAuthTokens) -> OAuthTokens | None:
        """Nothing to refresh: a rejected fixed token is the answer."""
        return None

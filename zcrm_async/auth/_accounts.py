"""Zoho's accounts server: the token endpoint (grant, refresh), revoke, and user info."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import anyio
import httpx

from .._config import Config
from .._datacenters import data_center_of
from .._exceptions import OAuthError, TransportError
from .._http._retry import NOT_SENT_ERRORS, RetryPolicy
from .._logging import logger
from .._models import OAuthTokens

__all__ = ["AccountsClient"]

USER_AGENT = "zcrm_async"


class AccountsClient:
    """Talks to ``{accounts_url}/oauth/v2/...`` over the client's shared connection pool.

    Token requests carry their parameters as a form body (never in the URL, so they stay out of
    access logs). Only failures where nothing reached the server are retried: a token request
    that did reach Zoho may have minted a token, and minting is rate-limited.
    """

    def __init__(self, config: Config, http: httpx.AsyncClient, retry: RetryPolicy) -> None:
        self._config = config
        self._http = http
        self._retry = retry
        self.mints = 0  # tokens minted by this process (grant + refresh)

    def authorization_url(
        self,
        scopes: list[str] | tuple[str, ...],
        state: str | None = None,
        *,
        prompt: str | None = "consent",
        accounts_url: str | None = None,
    ) -> str:
        """The "Login with Zoho" URL for web-based clients (access_type, prompt, state)."""
        if not scopes:
            raise ValueError("scopes must name at least one scope, e.g. ZohoCRM.modules.ALL")
        params = {
            "scope": ",".join(scopes),
            "client_id": self._config.client_id,
            "response_type": "code",
            "access_type": self._config.access_type,
            "redirect_uri": self._config.redirect_uri,
        }
        if prompt:
            params["prompt"] = prompt
        if state is not None:
            params["state"] = state
        base = (accounts_url or self._config.resolved_accounts_url).rstrip("/")
        return f"{base}/oauth/v2/auth?{urlencode(params)}"

    async def exchange_grant(
        self, grant_token: str, *, accounts_url: str | None = None
    ) -> dict[str, Any]:
        """POST ``grant_type=authorization_code``; the raw successful answer."""
        return await self._token_request(
            {
                "grant_type": "authorization_code",
                "client_id": self._config.client_id,
                "client_secret": self._config.client_secret,
                "redirect_uri": self._config.redirect_uri,
                "code": grant_token,
            },
            accounts_url=accounts_url,
        )

    async def refresh(
        self, refresh_token: str, user_email: str, *, api_domain: str | None = None
    ) -> OAuthTokens:
        """Mint a new access token from ``refresh_token``.

        ``api_domain`` is the one stored with the tokens: a user of another data centre (a
        multi-DC web login) refreshes at that centre's accounts server.
        """
        home = data_center_of(api_domain)
        body = await self._token_request(
            {
                "grant_type": "refresh_token",
                "client_id": self._config.client_id,
                "client_secret": self._config.client_secret,
                "refresh_token": refresh_token,
            },
            accounts_url=home.accounts_url if home is not None else None,
        )
        return OAuthTokens.from_token_response(
            body, user_email=user_email, refresh_token=refresh_token
        )

    async def revoke(self, token: str) -> bool:
        """Revoke a refresh token (and its access tokens). False if Zoho did not know it."""
        url = f"{self._config.resolved_accounts_url}/oauth/v2/token/revoke"
        response = await self._send("POST", url, data={"token": token})
        if response.status_code == 400:
            return False
        body = self._json(response)
        if isinstance(body, dict) and body.get("status") == "success":
            return True
        raise OAuthError(str(body.get("error", "revoke_failed")) if isinstance(body, dict) else "")

    async def user_email(self, access_token: str) -> str | None:
        """The e-mail from ``/oauth/user/info`` (needs scope ``AaaServer.profile.Read``)."""
        url = f"{self._config.resolved_accounts_url}/oauth/user/info"
        response = await self._send(
            "GET", url, headers={"Authorization": f"Zoho-oauthtoken {access_token}"}
        )
        body = self._json(response) if response.status_code == 200 else None
        email = body.get("Email") if isinstance(body, dict) else None
        return str(email) if email else None

    # -- internals ----------------------------------------------------------------------------

    async def _token_request(
        self, form: dict[str, str], *, accounts_url: str | None = None
    ) -> dict[str, Any]:
        base = (accounts_url or self._config.resolved_accounts_url).rstrip("/")
        response = await self._send("POST", f"{base}/oauth/v2/token", data=form)
        body = self._json(response)
        if not isinstance(body, dict):
            raise OAuthError("invalid_response", f"HTTP {response.status_code}: not a JSON object")
        if "error" in body:  # Zoho answers most token errors with HTTP 200
            raise OAuthError(str(body["error"]), body.get("error_description"))
        if response.status_code != 200:
            raise OAuthError(f"http_{response.status_code}", str(body)[:200])
        self.mints += 1
        logger.info("minted an access token (grant_type=%s)", form["grant_type"])
        return body

    async def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {"User-Agent": USER_AGENT, **kwargs.pop("headers", {})}
        attempt = 0
        while True:
            try:
                response = await self._http.request(
                    method, url, headers=headers, auth=None, **kwargs
                )
                await response.aread()
                return response
            except httpx.TransportError as exc:
                attempt += 1
                if isinstance(exc, NOT_SENT_ERRORS) and attempt <= self._retry.max_retries:
                    await anyio.sleep(self._retry.delay(attempt))
                    continue
                host = httpx.URL(url).host
                raise TransportError(
                    f"cannot reach the Zoho accounts server {host}: {type(exc).__name__}: {exc}. "
                    "Check the network, data_center and accounts_url",
                    host=host,
                ) from exc

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        try:
            return json.loads(response.content)
        except ValueError:
            snippet = response.content[:200].decode("utf-8", "replace")
            raise OAuthError(
                "invalid_response",
                f"HTTP {response.status_code} from the accounts server, not JSON: {snippet!r}",
            ) from None

"""Zoho's accounts server: the token endpoint (grant, refresh), revoke, and user info."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from .._config import Config
from .._datacenters import data_center_of
from .._exceptions import InvalidArgumentError, OAuthError, UnexpectedResponseError
from .._http._envelope import Answer
from .._http._options import RequestOptions
from .._logging import log_error, logger
from .._models import OAuthTokens
from ._middleware import FixedToken

if TYPE_CHECKING:
    from .._http._core import HttpCore

__all__ = ["USER_AGENT", "AccountsClient"]

USER_AGENT = "zcrm_async"


class AccountsClient:
    """Talks to ``{accounts_url}/oauth/v2/...`` through the client's request path.

    Token requests carry their parameters as a form body (never in the URL, so they stay out of
    access logs). They are never replayed once sent (a request that reached Zoho may have minted
    a token, and minting is rate-limited): only failures where nothing reached the server are
    retried. The ``api_domain`` of every token answer must be one of the data centre's.
    """

    def __init__(self, config: Config, core: HttpCore) -> None:
        self._config = config
        self._core = core
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
            raise InvalidArgumentError(
                "scopes must name at least one scope, e.g. ZohoCRM.modules.ALL"
            )
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
            user_email=user_email,
        )
        return OAuthTokens.from_token_response(
            body, user_email=user_email, refresh_token=refresh_token
        )

    async def revoke(self, token: str) -> bool:
        """Revoke a refresh token (and its access tokens). False if Zoho did not know it."""
        url = f"{self._config.resolved_accounts_url}/oauth/v2/token/revoke"
        answer = await self._send("POST", url, data={"token": token})
        if answer.status_code == 400:
            return False
        body = self._json(answer)
        if isinstance(body, dict) and body.get("status") == "success":
            return True
        error = str(body.get("error", "revoke_failed")) if isinstance(body, dict) else ""
        raise self._logged(OAuthError(error or "revoke_failed"))

    async def user_email(self, tokens: OAuthTokens) -> str | None:
        """The e-mail from ``/oauth/user/info`` (needs scope ``AaaServer.profile.Read``)."""
        url = f"{self._config.resolved_accounts_url}/oauth/user/info"
        answer = await self._send("GET", url, signer=FixedToken(tokens))
        body = self._json(answer) if answer.status_code == 200 else None
        email = body.get("Email") if isinstance(body, dict) else None
        return str(email) if email else None

    # -- internals ----------------------------------------------------------------------------

    async def _token_request(
        self,
        form: dict[str, str],
        *,
        accounts_url: str | None = None,
        user_email: str | None = None,
    ) -> dict[str, Any]:
        base = (accounts_url or self._config.resolved_accounts_url).rstrip("/")
        started = time.monotonic()
        answer = await self._send("POST", f"{base}/oauth/v2/token", data=form)
        body = self._json(answer)
        if not isinstance(body, dict):
            raise self._logged(
                OAuthError("invalid_response", f"HTTP {answer.status_code}: not a JSON object")
            )
        if "error" in body:  # Zoho answers most token errors with HTTP 200
            raise self._logged(OAuthError(str(body["error"]), body.get("error_description")))
        if answer.status_code != 200:
            raise self._logged(OAuthError(f"http_{answer.status_code}", str(body)[:200]))
        self._check_api_domain(body.get("api_domain"), base)
        self.mints += 1
        logger.info("minted an access token (grant_type=%s)", form["grant_type"])
        hooks = self._core.hooks
        if hooks is not None:
            hooks.emit(
                "token_refreshed",
                grant_type=form["grant_type"],
                accounts_host=answer.response.request.url.host,
                user_email=user_email,
                duration=time.monotonic() - started,
            )
        return body

    def _check_api_domain(self, api_domain: Any, accounts_url: str) -> None:
        """A token answer's ``api_domain`` must be an API domain of the minting data centre:
        the access token is sent there."""
        if api_domain is None or self._config.allow_untrusted_hosts:
            return
        home = data_center_of(accounts_url) or self._config.dc
        if not isinstance(api_domain, str) or api_domain.rstrip("/").lower() not in (
            home.api_domains
        ):
            raise self._logged(
                OAuthError(
                    "untrusted_api_domain",
                    f"the token answer names api_domain {api_domain!r}, which is not an API "
                    f"domain of data centre {home.code!r} ({', '.join(sorted(home.api_domains))}"
                    "); the token was not used. Check data_center and accounts_url "
                    "(allow_untrusted_hosts=true is for a test server or a proxy you run)",
                )
            )

    async def _send(
        self,
        method: str,
        url: str,
        *,
        data: dict[str, str] | None = None,
        signer: FixedToken | None = None,
    ) -> Answer:
        options = RequestOptions(
            method,
            url,
            data=data,
            headers={"User-Agent": USER_AGENT},
            idempotent=method == "GET",
            accept="any_status",
            target="accounts",
        )
        return await self._core.send(options, signer)

    def _json(self, answer: Answer) -> Any:
        try:
            return answer.json()
        except UnexpectedResponseError:
            snippet = answer.response.content[:200].decode("utf-8", "replace")
            raise self._logged(
                OAuthError(
                    "invalid_response",
                    f"HTTP {answer.status_code} from the accounts server, not JSON: {snippet!r}",
                )
            ) from None

    @staticmethod
    def _logged(error: OAuthError) -> OAuthError:
        log_error(error, "accounts server")
        return error

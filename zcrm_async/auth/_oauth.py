"""``crm.oauth``: generate, refresh, inspect and revoke tokens."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from functools import wraps
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from .._config import Config
from .._exceptions import (
    ConfigError,
    InvalidArgumentError,
    OAuthError,
    TokenHandlerError,
    ZCRMError,
)
from .._http._options import RequestOptions
from .._logging import log_error, logger
from .._models import OAuthTokens
from ..stores import ListsUsers
from ._accounts import AccountsClient
from ._middleware import FixedToken
from ._tokens import TokenManager

if TYPE_CHECKING:
    from .._http._core import HttpCore

__all__ = ["DEFAULT_SCOPES", "OAuth"]

DEFAULT_SCOPES = (
    # Records of every module (change owner, mass update/delete, merge, notes, attachments,
    # e-mails of a record, contact roles), the org's settings (metadata, currencies, pipelines,
    # territories, user groups, tags, recycle bin, locks, audit log export), users, the org.
    "ZohoCRM.modules.ALL",
    "ZohoCRM.settings.ALL",
    "ZohoCRM.users.ALL",
    "ZohoCRM.org.ALL",
    # Queries, search and count, bulk jobs and their uploads, data backups.
    "ZohoCRM.coql.READ",
    "ZohoSearch.securesearch.READ",
    "ZohoCRM.bulk.ALL",
    "ZohoCRM.bulk.backup.ALL",
    "ZohoFiles.files.ALL",
    # Mass conversion of leads is a scope family of its own.
    "ZohoCRM.mass_convert.leads.CREATE",
    "ZohoCRM.mass_convert.leads.READ",
    # Watch channels, record sharing.
    "ZohoCRM.notifications.ALL",
    "ZohoCRM.share.ALL",
    # The file store, sending mail and its templates, REST API functions.
    "ZohoCRM.files.CREATE",
    "ZohoCRM.files.READ",
    "ZohoCRM.send_mail.all.CREATE",
    "ZohoCRM.templates.email.READ",
    "ZohoCRM.templates.inventory.READ",
    "ZohoCRM.functions.execute.READ",
    "ZohoCRM.functions.execute.CREATE",
    # Who generated the tokens (``/oauth/user/info``), when no user e-mail is configured.
    "AaaServer.profile.Read",
)
"""The OAuth scopes that cover every operation of the SDK.

``crm.oauth.authorization_url()`` asks for them unless given others. For a self client, paste
them comma-separated into the API console when generating a grant code
(``",".join(zc.DEFAULT_SCOPES)``). A ``.ALL`` scope covers everything below it
(``ZohoCRM.settings.ALL`` covers ``ZohoCRM.settings.recycle_bin.READ``); the other families
are named one by one. A call outside the granted scopes fails with
:class:`~zcrm_async.AuthenticationError` (``OAUTH_SCOPE_MISMATCH``).
"""
#: Grants exchanged whose user could not be found, kept so a retry need not exchange again.
_MAX_UNCLAIMED = 16

P = ParamSpec("P")
R = TypeVar("R")


def _logs_errors(method: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """An OAuth entry point: an SDK error leaving it is logged (once) before it is raised."""

    @wraps(method)
    async def logged(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await method(*args, **kwargs)
        except ZCRMError as error:
            log_error(error, f"crm.oauth.{method.__name__}")
            raise

    return logged


class OAuth:
    """Token lifecycle for the client's users. Every token generated here is persisted."""

    def __init__(
        self,
        config: Config,
        accounts: AccountsClient,
        tokens: TokenManager,
        core: HttpCore,
    ) -> None:
        self._config = config
        self._accounts = accounts
        self._tokens = tokens
        self._core = core
        #: The user API calls act as: ``current_user_email``, else whoever generated tokens last.
        self.default_user: str | None = config.current_user_email
        # grant code -> tokens it gave whose user lookup failed (a grant works only once)
        self._unclaimed: dict[str, OAuthTokens] = {}

    def user_or_default(self, user_email: str | None) -> str:
        """``user_email``, or the default user; a :class:`ConfigError` if there is neither."""
        user = user_email or self.default_user
        if not user:
            raise ConfigError(
                "current_user_email",
                "is needed to know whose tokens to use: set it in the config, pass user_email=, "
                "or call crm.oauth.generate_access_token(grant_token) first in this process",
            )
        return user

    def authorization_url(
        self,
        scopes: Sequence[str] = DEFAULT_SCOPES,
        state: str | None = None,
        *,
        prompt: str | None = "consent",
    ) -> str:
        """The "Login with Zoho" URL: redirect a user there; Zoho returns a grant code.

        Needs ``redirect_uri`` to be the real registered URL (:class:`ConfigError` otherwise).
        """
        self._config.web_redirect_uri()  # a self client's dummy value cannot do here
        return self._accounts.authorization_url(tuple(scopes), state, prompt=prompt)

    @_logs_errors
    async def generate_access_token(
        self,
        grant_token: str,
        *,
        user_email: str | None = None,
        accounts_server: str | None = None,
        lookup_user: bool = False,
    ) -> OAuthTokens:
        """Exchange a grant token (works once, lives minutes) for tokens and persist them.

        The user is ``user_email``, else ``current_user_email``, else looked up from Zoho
        (``users?type=CurrentUser``, then ``/oauth/user/info``). ``accounts_server`` is the
        ``accounts-server`` parameter Zoho adds to the redirect for users of another data centre.
        ``lookup_user=True`` is for web logins, where anyone may sign in: the user is always
        looked up from Zoho, and the client's default user is left as it was.

        If the lookup fails after the exchange, the tokens are kept in this client (not lost
        with the single-use grant): call again with the same grant and ``user_email=``.
        """
        if not grant_token or not grant_token.strip():
            raise InvalidArgumentError(
                "grant_token is empty: paste the code generated in the API console"
            )
        grant = grant_token.strip()
        provisional = self._unclaimed.pop(grant, None)
        if provisional is None:
            body = await self._accounts.exchange_grant(grant, accounts_url=accounts_server)
            provisional = OAuthTokens.from_token_response(body, user_email=user_email or "")
        email = None if lookup_user else user_email or self._config.current_user_email
        if not email:
            try:
                email = await self._lookup_email(provisional)
            except OAuthError:
                self._keep_unclaimed(grant, provisional)
                raise
        provisional.user_email = email
        await self._tokens.put(provisional)
        if self.default_user is None and not lookup_user:
            self.default_user = email
        logger.info("generated tokens for %s", email)
        return provisional

    @_logs_errors
    async def generate_access_token_from_refresh_token(
        self, refresh_token: str, user_email: str
    ) -> OAuthTokens:
        """Mint an access token from a refresh token you already hold, and persist both."""
        if not refresh_token:
            raise InvalidArgumentError("refresh_token is empty")
        tokens = await self._accounts.refresh(refresh_token, user_email)
        await self._tokens.put(tokens)
        if self.default_user is None:
            self.default_user = user_email
        return tokens

    @_logs_errors
    async def is_token_generated(self, user_email: str | None = None) -> bool:
        """True if the store holds tokens for the user (the classic ``isTokenGenerated``).

        The user is ``user_email``, else the default user. With neither, the store answers:
        False if it holds no tokens; True if it holds one user's (who becomes the default
        user); with several users, or a store that cannot list them, :class:`InvalidArgumentError`
        asks for ``user_email=``. A classic token handler that raises because it has no row
        for the user means False here, as it did in the classic SDKs; other store failures
        raise :class:`TokenStoreError`.
        """
        user = user_email or self.default_user
        if not user:
            return await self._any_tokens_generated()
        try:
            return await self._tokens.store.load(user) is not None
        except TokenHandlerError as exc:
            logger.info("is_token_generated(%r): %s; taken as no tokens", user, exc)
            return False

    async def _any_tokens_generated(self) -> bool:
        store = self._tokens.store
        users = await store.user_emails() if isinstance(store, ListsUsers) else None
        if users == []:
            return False
        if users is not None and len(users) == 1:
            self.default_user = users[0]
            return True
        held = (
            f"the token store holds tokens for {len(users)} users ({', '.join(users[:5])})"
            if users
            else f"{store!r} cannot list the users whose tokens it holds"
        )
        raise InvalidArgumentError(
            f"is_token_generated(): {held} and no user was named: pass user_email= "
            "(or set current_user_email in the config)"
        )

    @_logs_errors
    async def refresh(self, user_email: str | None = None) -> OAuthTokens:
        """Mint a new access token now (normally automatic, on expiry or ``INVALID_TOKEN``)."""
        return await self._tokens.force_refresh(self.user_or_default(user_email))

    @_logs_errors
    async def revoke(self, user_email: str | None = None) -> bool:
        """Revoke the user's refresh token at Zoho and delete the stored tokens.

        Returns False if Zoho no longer knew the token; the local copy is deleted either way.
        """
        user = self.user_or_default(user_email)
        stored = await self._tokens.store.load(user)
        revoked = await self._accounts.revoke(stored.refresh_token) if stored else False
        await self._tokens.forget(user)
        return revoked

    def _keep_unclaimed(self, grant: str, tokens: OAuthTokens) -> None:
        if len(self._unclaimed) >= _MAX_UNCLAIMED:
            self._unclaimed.pop(next(iter(self._unclaimed)))
        self._unclaimed[grant] = tokens

    async def _lookup_email(self, tokens: OAuthTokens) -> str:
        request = RequestOptions(
            "GET", "users", params={"type": "CurrentUser"}, accept="any_status", max_retries=0
        )
        try:
            answer = await self._core.send(request, FixedToken(tokens))
            body = answer.json() if answer.status_code == 200 else None
        except ZCRMError:
            body = None
        users = body.get("users") if isinstance(body, dict) else None
        if isinstance(users, list) and users and isinstance(users[0], dict):
            email = users[0].get("email")
            if email:
                return str(email)
        email = await self._accounts.user_email(tokens)
        if email:
            return email
        raise OAuthError(
            "unknown_user",
            "could not find whose tokens these are (users?type=CurrentUser and /oauth/user/info "
            "both failed; the grant may lack ZohoCRM.users.READ and AaaServer.profile.Read): "
            "call generate_access_token again with the same grant token and user_email= "
            "(this client kept the tokens the grant gave), or set current_user_email",
        )

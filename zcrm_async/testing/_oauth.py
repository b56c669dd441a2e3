"""Accounts-server state: grant codes, refresh and access tokens, Zoho's token limits."""

from __future__ import annotations

import secrets
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ._errors import OAuthError
from ._limits import Limits

__all__ = ["AccessToken", "OAuthState", "new_token"]

THROTTLED = {
    "error_description": "You have made too many requests continuously. "
    "Please try again after some time.",
    "error": "Access Denied",
    "status": "failure",
}


def new_token() -> str:
    """A token string shaped like Zoho's: ``1000.<32 hex>.<32 hex>``."""
    return f"1000.{secrets.token_hex(16)}.{secrets.token_hex(16)}"


@dataclass(slots=True)
class _GrantCode:
    user_email: str
    scopes: tuple[str, ...]
    expires_at: float


@dataclass(slots=True)
class AccessToken:
    """An issued access token."""

    token: str
    user_email: str
    scopes: tuple[str, ...]
    expires_at: float
    refresh_token: str | None


@dataclass(slots=True)
class _RefreshToken:
    token: str
    user_email: str
    scopes: tuple[str, ...]
    active: deque[str] = field(default_factory=deque)  # access tokens, oldest first
    refresh_mints: deque[float] = field(default_factory=deque)  # times of refresh grants


class OAuthState:
    """Everything the token endpoint knows. Not thread-safe: callers hold the fake's lock."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        api_domain: str,
        token_lifetime: float,
        grant_code_lifetime: float,
        clock: Callable[[], float],
        limits: Limits,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.api_domain = api_domain
        self.token_lifetime = token_lifetime
        self.grant_code_lifetime = grant_code_lifetime
        self.clock = clock
        self.limits = limits
        self._grants: dict[str, _GrantCode] = {}
        self._grant_exchanges: deque[float] = deque()
        self._refresh: dict[str, _RefreshToken] = {}
        self._access: dict[str, AccessToken] = {}

    # -- issuing ---------------------------------------------------------------------------------

    def issue_grant_code(self, scopes: Iterable[str], user_email: str) -> str:
        """A one-time code, valid for ``grant_code_lifetime`` seconds."""
        code = new_token()
        expires_at = self.clock() + self.grant_code_lifetime
        self._grants[code] = _GrantCode(user_email, tuple(scopes), expires_at)
        return code

    def issue_tokens(self, user_email: str, scopes: Iterable[str]) -> dict[str, Any]:
        """A refresh + access token pair, shaped like the grant answer."""
        refresh = self._new_refresh_token(user_email, tuple(scopes))
        answer = self._mint_access(refresh)
        return {**answer, "refresh_token": refresh.token}

    def _new_refresh_token(self, user_email: str, scopes: tuple[str, ...]) -> _RefreshToken:
        refresh = _RefreshToken(new_token(), user_email, scopes)
        self._refresh[refresh.token] = refresh
        mine = [r for r in self._refresh.values() if r.user_email == user_email]
        # The 21st refresh token of a user deletes the oldest, with its access tokens.
        for oldest in mine[: max(0, len(mine) - self.limits.max_refresh_tokens_per_user)]:
            self._revoke_refresh(oldest)
        return refresh

    def _mint_access(self, refresh: _RefreshToken) -> dict[str, Any]:
        now = self.clock()
        token = AccessToken(
            new_token(),
            refresh.user_email,
            refresh.scopes,
            now + self.token_lifetime,
            refresh.token,
        )
        self._access[token.token] = token
        refresh.active = deque(t for t in refresh.active if self._is_live(t, now))
        refresh.active.append(token.token)
        # Only 15 may be active: the 16th invalidates the oldest.
        while len(refresh.active) > self.limits.max_active_access_tokens:
            self._access.pop(refresh.active.popleft(), None)
        return {
            "access_token": token.token,
            "api_domain": self.api_domain,
            "token_type": "Bearer",
            "expires_in": int(self.token_lifetime),
        }

    def _is_live(self, token: str, now: float) -> bool:
        access = self._access.get(token)
        return access is not None and access.expires_at > now

    # -- the token endpoint ----------------------------------------------------------------------

    def exchange(self, params: Mapping[str, str]) -> dict[str, Any]:
        """Answer ``POST /oauth/v2/token``; raise :class:`OAuthError` for Zoho's 200-errors."""
        if params.get("client_id") != self.client_id:
            raise OAuthError({"error": "invalid_client"})
        if params.get("client_secret") != self.client_secret:
            raise OAuthError({"error": "invalid_client_secret"})
        grant_type = params.get("grant_type")
        if grant_type == "authorization_code":
            return self._exchange_code(params)
        if grant_type == "refresh_token":
            return self._exchange_refresh(params.get("refresh_token", ""))
        raise OAuthError({"error": "unsupported_grant_type"})

    def _exchange_code(self, params: Mapping[str, str]) -> dict[str, Any]:
        if params.get("redirect_uri") != self.redirect_uri:
            raise OAuthError({"error": "invalid_redirect_uri"})
        now = self.clock()
        code = params.get("code", "")
        grant = self._grants.get(code)
        if grant is None or grant.expires_at <= now:
            self._grants.pop(code, None)
            raise OAuthError({"error": "invalid_code"})
        limit = self.limits.grant_codes_per_window
        _forget_before(self._grant_exchanges, now - self.limits.token_window)
        if limit is not None and len(self._grant_exchanges) >= limit:
            raise OAuthError({"error": "access_denied"})
        del self._grants[code]  # a grant code works once
        self._grant_exchanges.append(now)
        return self.issue_tokens(grant.user_email, grant.scopes)

    def _exchange_refresh(self, token: str) -> dict[str, Any]:
        refresh = self._refresh.get(token)
        if refresh is None:  # Zoho answers invalid_code for unknown/revoked refresh tokens
            raise OAuthError({"error": "invalid_code"})
        now = self.clock()
        _forget_before(refresh.refresh_mints, now - self.limits.token_window)
        if len(refresh.refresh_mints) >= self.limits.access_tokens_per_window:
            raise OAuthError(dict(THROTTLED))
        refresh.refresh_mints.append(now)
        return self._mint_access(refresh)

    # -- revoke, use, expire ---------------------------------------------------------------------

    def revoke(self, token: str) -> bool:
        """Revoke a refresh token (and its access tokens) or one access token."""
        refresh = self._refresh.get(token)
        if refresh is not None:
            self._revoke_refresh(refresh)
            return True
        return self._access.pop(token, None) is not None

    def _revoke_refresh(self, refresh: _RefreshToken) -> None:
        del self._refresh[refresh.token]
        for access in refresh.active:
            self._access.pop(access, None)

    def authenticate(self, token: str) -> AccessToken | None:
        """The live access token, or None when unknown, expired, revoked or evicted."""
        access = self._access.get(token)
        if access is None or access.expires_at <= self.clock():
            return None
        return access

    def expire_access_tokens(self) -> int:
        """Make every issued access token expired; how many were still live."""
        now, live = self.clock(), 0
        for access in self._access.values():
            live += access.expires_at > now
            access.expires_at = float("-inf")
        return live


def _forget_before(times: deque[float], cutoff: float) -> None:
    while times and times[0] <= cutoff:
        times.popleft()

"""The token manager: an in-memory cache in front of the store, and single-flight refresh."""

from __future__ import annotations

import anyio

from .._exceptions import OAuthError
from .._models import OAuthTokens
from ..stores import TokenStore
from ._accounts import AccountsClient

__all__ = ["TokenManager"]


class TokenManager:
    """Hands out a valid access token per user, refreshing at most once per expiry.

    Hot path: the cached token, with no lock and no store I/O. On a miss, expiry (within
    ``skew`` seconds) or a token the server rejected (``stale``), one task per user takes the
    in-process lock, then the store's cross-process ``refresh_lock``; each level re-reads the
    newer state first, so whoever waited finds the fresh token instead of minting another.
    The mint and the save run shielded from cancellation: a minted token is never lost.
    """

    def __init__(self, store: TokenStore, accounts: AccountsClient, *, skew: float) -> None:
        self.store = store
        self._accounts = accounts
        self._skew = skew
        self._cache: dict[str, OAuthTokens] = {}
        self._locks: dict[str, anyio.Lock] = {}

    def _usable(self, tokens: OAuthTokens | None, stale: str | None) -> bool:
        return (
            tokens is not None
            and tokens.access_token != stale
            and not tokens.expires_within(self._skew)
        )

    async def get(self, user_email: str, *, stale: str | None = None) -> OAuthTokens:
        """A usable token for ``user_email``; ``stale`` is an access token Zoho just rejected."""
        tokens = self._cache.get(user_email)
        if tokens is not None and self._usable(tokens, stale):
            return tokens
        lock = self._locks.get(user_email)
        if lock is None:
            lock = self._locks[user_email] = anyio.Lock()
        async with lock:
            tokens = self._cache.get(user_email)
            if self._usable(tokens, stale):
                assert tokens is not None
                return tokens
            tokens = await self.store.load(user_email)  # another worker may have refreshed
            if not self._usable(tokens, stale):
                tokens = await self._refresh(user_email, stale)
            assert tokens is not None
            self._cache[user_email] = tokens
            return tokens

    async def _refresh(self, user_email: str, stale: str | None) -> OAuthTokens:
        async with self.store.refresh_lock(user_email):
            stored = await self.store.load(user_email)
            if self._usable(stored, stale):
                assert stored is not None
                return stored
            if stored is None:
                raise OAuthError(
                    "no_tokens",
                    f"no tokens stored for {user_email!r}: call "
                    "crm.oauth.generate_access_token(grant_token) once (or check that the "
                    "token store and current_user_email are the ones used then)",
                )
            with anyio.CancelScope(shield=True):
                fresh = await self._accounts.refresh(
                    stored.refresh_token, user_email, api_domain=stored.api_domain
                )
                await self.store.save(fresh)
            return fresh

    async def put(self, tokens: OAuthTokens) -> None:
        """Save newly generated tokens and cache them."""
        with anyio.CancelScope(shield=True):
            await self.store.save(tokens)
        self._cache[tokens.user_email] = tokens

    async def forget(self, user_email: str) -> None:
        """Delete the user's tokens from the store and the cache."""
        self._cache.pop(user_email, None)
        await self.store.delete(user_email)

    async def force_refresh(self, user_email: str) -> OAuthTokens:
        """Refresh now, even if the cached token is still valid."""
        current = self._cache.get(user_email) or await self.store.load(user_email)
        return await self.get(user_email, stale=current.access_token if current else None)

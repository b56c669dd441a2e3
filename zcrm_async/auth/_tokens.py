"""The token manager: an in-memory cache in front of the store, and single-flight refresh."""

from __future__ import annotations

import anyio

from .._detached import Detached, Outcome
from .._exceptions import OAuthError, TokenStoreError
from .._logging import logger
from .._models import OAuthTokens
from ..stores import TokenStore
from ._accounts import AccountsClient

__all__ = ["TokenManager"]

#: How often a caller may join another caller's lookup before starting its own.
_MAX_JOINS = 3


class TokenManager:
    """Hands out a valid access token per user, refreshing at most once per expiry.

    Hot path: the cached token, with no lock and no store I/O. On a miss, expiry (within
    ``skew`` seconds) or a token the server rejected (``stale``), one lookup per user runs in a
    task this manager owns (a *flight*): it re-reads the store, takes the store's cross-process
    ``refresh_lock``, re-reads again, and only then mints and saves. Every other caller for that
    user waits for the same flight. A caller that is cancelled (anyio scope, ``task.cancel()``,
    ``asyncio.wait_for``, trio) stops waiting; the flight goes on, so a minted token is always
    saved and reused. Mint and save together are bounded by ``refresh_timeout`` seconds: past
    it the flight fails with :class:`OAuthError` or :class:`TokenStoreError` and the lock is
    released.
    """

    def __init__(
        self,
        store: TokenStore,
        accounts: AccountsClient,
        *,
        skew: float,
        refresh_timeout: float = 30.0,
    ) -> None:
        self.store = store
        self._accounts = accounts
        self._skew = skew
        self.refresh_timeout = refresh_timeout
        self._cache: dict[str, OAuthTokens] = {}
        self._flights: dict[str, Outcome[OAuthTokens]] = {}
        self._detached = Detached()

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
        return await self._fetch(user_email, stale)

    async def _fetch(self, user_email: str, stale: str | None) -> OAuthTokens:
        for _ in range(_MAX_JOINS):
            flight = self._flights.get(user_email)
            if flight is None:
                break
            tokens = await flight.get()  # another caller's flight: its token may do
            if self._usable(tokens, stale):
                return tokens
        flight = self._flights.get(user_email)
        if flight is None:
            flight = self._flights[user_email] = self._detached.start(
                lambda: self._fly(user_email, stale)
            )
        return await flight.get()

    async def _fly(self, user_email: str, stale: str | None) -> OAuthTokens:
        try:
            return await self._obtain(user_email, stale)
        finally:
            self._flights.pop(user_email, None)

    async def _obtain(self, user_email: str, stale: str | None) -> OAuthTokens:
        tokens = self._cache.get(user_email)
        if tokens is not None and self._usable(tokens, stale):
            return tokens
        tokens = await self.store.load(user_email)  # another worker may have refreshed
        if tokens is None or not self._usable(tokens, stale):
            tokens = await self._refresh(user_email, stale)
        self._cache[user_email] = tokens
        return tokens

    async def _refresh(self, user_email: str, stale: str | None) -> OAuthTokens:
        async with self.store.refresh_lock(user_email):
            stored = await self.store.load(user_email)
            if stored is not None and self._usable(stored, stale):
                return stored
            if stored is None:
                raise OAuthError(
                    "no_tokens",
                    f"no tokens stored for {user_email!r}: call "
                    "crm.oauth.generate_access_token(grant_token) once (or check that the "
                    "token store and current_user_email are the ones used then)",
                )
            return await self._mint_and_save(stored)

    async def _mint_and_save(self, stored: OAuthTokens) -> OAuthTokens:
        user_email = stored.user_email
        fresh: OAuthTokens | None = None
        try:
            with anyio.fail_after(self.refresh_timeout):
                fresh = await self._accounts.refresh(
                    stored.refresh_token, user_email, api_domain=stored.api_domain
                )
                # Usable in this process even if the save below fails: never minted twice.
                self._cache[user_email] = fresh
                await self.store.save(fresh)
        except TimeoutError:
            if fresh is None:
                raise OAuthError(
                    "refresh_timeout",
                    f"the token endpoint did not answer within refresh_timeout="
                    f"{self.refresh_timeout:g}s (a slow or stuck accounts server); nothing was "
                    "minted, the refresh lock is released, the next call tries again",
                ) from None
            raise TokenStoreError(
                f"a new access token for {user_email!r} was minted, but saving it to "
                f"{self.store!r} did not finish within refresh_timeout={self.refresh_timeout:g}s; "
                "this process keeps using it, other processes will refresh their own"
            ) from None
        return fresh

    async def put(self, tokens: OAuthTokens) -> None:
        """Save newly generated tokens and cache them (a cancelled caller does not stop it)."""
        self._cache[tokens.user_email] = tokens
        await self._detached.run(lambda: self._save_bounded(tokens))

    async def _save_bounded(self, tokens: OAuthTokens) -> None:
        try:
            with anyio.fail_after(self.refresh_timeout):
                await self.store.save(tokens)
        except TimeoutError:
            raise TokenStoreError(
                f"saving the tokens of {tokens.user_email!r} to {self.store!r} did not finish "
                f"within refresh_timeout={self.refresh_timeout:g}s; this process keeps them"
            ) from None

    async def forget(self, user_email: str) -> None:
        """Delete the user's tokens from the store and the cache."""
        self._cache.pop(user_email, None)
        await self.store.delete(user_email)

    async def force_refresh(self, user_email: str) -> OAuthTokens:
        """Refresh now, even if the cached token is still valid."""
        current = self._cache.get(user_email) or await self.store.load(user_email)
        return await self.get(user_email, stale=current.access_token if current else None)

    async def aclose(self) -> None:
        """Let running refreshes finish (at most ``refresh_timeout`` seconds), then stop them."""
        if self._flights:
            logger.debug("waiting for %d token refresh(es) before closing", len(self._flights))
        await self._detached.aclose(self.refresh_timeout)

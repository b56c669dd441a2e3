"""The token store protocol every store implements, and a base with the common defaults."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol, runtime_checkable

from .._config import REFRESH_LOCK_WAIT
from .._models import OAuthTokens

__all__ = ["BaseTokenStore", "ListsUsers", "TokenStore"]

#: How long a refresh lock is waited for (seconds). A holder keeps it less: the token manager
#: bounds a refresh by ``refresh_timeout``, which the config keeps below this.
LOCK_TIMEOUT = REFRESH_LOCK_WAIT


@runtime_checkable
class TokenStore(Protocol):
    """Where OAuth tokens live between calls and processes. All methods are async.

    ``refresh_lock(user_email)`` excludes other processes (and hosts, for a shared database)
    from refreshing the same user's token at the same time; the auth middleware re-reads the
    store inside it, so N workers sharing a store mint one token per expiry.
    """

    async def load(self, user_email: str) -> OAuthTokens | None:
        """The user's tokens, or None if none are stored.

        Args:
            user_email: The user whose tokens to read.

        Returns:
            The user's tokens, or None if none are stored.
        """
        ...

    async def save(self, tokens: OAuthTokens) -> None:
        """Insert or replace the tokens of ``tokens.user_email``.

        Args:
            tokens: The tokens to store, under ``tokens.user_email``.
        """
        ...

    async def delete(self, user_email: str) -> None:
        """Forget the user's tokens (no error if there are none).

        Args:
            user_email: The user whose tokens to forget.
        """
        ...

    def refresh_lock(self, user_email: str) -> AbstractAsyncContextManager[None]:
        """Exclusive cross-process lock around a refresh of this user's token.

        Args:
            user_email: The user whose refresh the lock guards.

        Returns:
            An async context manager holding the lock while its block runs.
        """
        ...

    async def aclose(self) -> None:
        """Release connections and files."""
        ...


@runtime_checkable
class ListsUsers(Protocol):
    """An optional capability of a store: naming the users whose tokens it holds.

    ``crm.oauth.is_token_generated()`` with no user and no ``current_user_email`` uses it.
    """

    async def user_emails(self) -> list[str]:
        """The e-mail of every user with stored tokens, sorted.

        Returns:
            The e-mail addresses, sorted.
        """
        ...


class BaseTokenStore:
    """Defaults: no cross-process lock (one process only), nothing to close."""

    @asynccontextmanager
    async def refresh_lock(self, user_email: str) -> AsyncIterator[None]:
        """No-op: in-process exclusion is done by the auth middleware's lock.

        Args:
            user_email: The user whose refresh the lock guards.

        Yields:
            Nothing; the lock is held while the ``async with`` block runs.
        """
        yield

    async def aclose(self) -> None:
        """Nothing to release."""

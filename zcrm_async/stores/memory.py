"""An in-memory token store: for tests and short-lived scripts (tokens die with the process)."""

from __future__ import annotations

import attrs

from .._models import OAuthTokens
from ._base import BaseTokenStore

__all__ = ["MemoryStore"]


class MemoryStore(BaseTokenStore):
    """Keeps tokens in a dict. Shares nothing with other processes."""

    def __init__(self) -> None:
        self._tokens: dict[str, OAuthTokens] = {}

    def __repr__(self) -> str:
        return f"MemoryStore(users={sorted(self._tokens)})"

    async def load(self, user_email: str) -> OAuthTokens | None:
        """The stored tokens (a copy, so callers cannot mutate the store).

        Args:
            user_email: The user whose tokens to read.

        Returns:
            The user's tokens, or None if none are stored.
        """
        tokens = self._tokens.get(user_email)
        return attrs.evolve(tokens) if tokens else None

    async def save(self, tokens: OAuthTokens) -> None:
        """Store a copy of ``tokens``.

        Args:
            tokens: The tokens to store, under ``tokens.user_email``.
        """
        self._tokens[tokens.user_email] = attrs.evolve(tokens)

    async def delete(self, user_email: str) -> None:
        """Forget the user's tokens.

        Args:
            user_email: The user whose tokens to forget.
        """
        self._tokens.pop(user_email, None)

    async def user_emails(self) -> list[str]:
        """The users with stored tokens.

        Returns:
            The e-mail addresses, sorted.
        """
        return sorted(self._tokens)

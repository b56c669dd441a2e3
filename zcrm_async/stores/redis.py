"""The Redis token store: one hash per user, a lease lock per user that dies with its holder.

Keys, under a configurable prefix (default ``zcrm_async:``):

* ``{prefix}tokens:{user}`` — a hash with the classic column names: ``useridentifier``,
  ``accesstoken``, ``refreshtoken``, ``expirytime`` (epoch ms) and ``api_domain``. No expiry:
  the refresh token lives until it is revoked.
* ``{prefix}lock:{user}`` — the refresh lock: ``SET NX PX`` with a random value, so it
  expires ``lock_ttl`` seconds after its holder stops renewing it (a killed process stops).
  The holder renews it every ``lock_ttl / 3`` seconds while it refreshes, and releases it
  with a script that deletes the key only if it still holds the holder's value.

:meth:`RedisStore.user_emails` finds the token hashes with ``SCAN`` (never ``KEYS``, which
blocks the server while it walks every key).

Runs on redis-py's asyncio client (the ``redis`` extra); under trio every method raises
:class:`~zcrm_async.UnsupportedBackendError`.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import anyio

from .._exceptions import InvalidArgumentError, TokenStoreError
from .._logging import logger
from .._models import OAuthTokens
from .._redis import RedisConnection
from .._urls import REDIS_URL_EXAMPLE
from ._base import LOCK_TIMEOUT, BaseTokenStore
from ._lockwait import wait_for_lock
from ._seedtable import SELECTED, row_of, tokens_from_row

if TYPE_CHECKING:
    from .._config import Config

__all__ = ["RedisStore"]

# Delete or extend the lock only while it still holds this holder's value (KEYS[1], ARGV[1]).
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""
#: Keys per SCAN step: a hint to the server, which walks about this many keys per command.
_SCAN_COUNT = 1000
#: The fields a hash needs for :meth:`RedisStore.load` to return tokens.
_NEEDED = ("accesstoken", "refreshtoken", "expirytime")


def _glob_escaped(text: str) -> str:
    """``text`` as a literal in a Redis glob pattern: each of ``*?[]\\`` after a backslash."""
    return "".join(f"\\{char}" if char in "*?[]\\" else char for char in text)


_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0
"""


class RedisStore(BaseTokenStore):
    """Tokens in Redis, shared by every process and host that uses the same server and prefix.

    ``url`` is ``redis://[[user]:password@]host:port/db`` (``rediss://`` for TLS, verified;
    ``unix:///path?db=0`` for a socket). ``timeout`` bounds every command; ``lock_timeout``
    bounds the wait for another process's refresh; ``lock_ttl`` is how long a dead holder's
    lock outlives it. Needs the ``redis`` extra and asyncio.

    Args:
        url: The server's URL.
        key_prefix: The start of every key the store writes.
        timeout: Seconds per command.
        lock_timeout: Seconds to wait for another process's refresh lock.
        lock_ttl: Seconds a lock outlives a holder that died.

    Raises:
        InvalidArgumentError: A ``lock_ttl`` below 0.1 s, a timeout that is not positive, or
            a URL Redis cannot use.
    """

    def __init__(
        self,
        url: str = REDIS_URL_EXAMPLE,
        *,
        key_prefix: str = "zcrm_async:",
        timeout: float = 10.0,
        lock_timeout: float = LOCK_TIMEOUT,
        lock_ttl: float = 10.0,
    ) -> None:
        if not lock_ttl >= 0.1:
            raise InvalidArgumentError(f"lock_ttl must be at least 0.1 seconds, got {lock_ttl!r}")
        if not lock_timeout > 0:
            raise InvalidArgumentError(
                f"lock_timeout must be a number of seconds > 0, got {lock_timeout!r}"
            )
        self._redis = RedisConnection(
            url, component="Redis token store", error_class=TokenStoreError, timeout=timeout
        )
        self.key_prefix = key_prefix
        self.lock_timeout = lock_timeout
        self.lock_ttl = lock_ttl

    @classmethod
    def from_config(cls, config: Config) -> RedisStore:
        """The store ``redis_url`` and ``redis_key_prefix`` describe.

        Args:
            config: The client's configuration.

        Returns:
            The store, not yet connected.

        Raises:
            TokenStoreError: ``redis_url`` is not set.
        """
        if not config.redis_url:
            raise TokenStoreError("RedisStore needs redis_url, e.g. " + REDIS_URL_EXAMPLE)
        return cls(config.redis_url, key_prefix=config.redis_key_prefix)

    def __repr__(self) -> str:
        return f"RedisStore({self._redis.where!r}, key_prefix={self.key_prefix!r})"

    @property
    def where(self) -> str:
        """The server's URL without its password."""
        return self._redis.where

    def token_key(self, user_email: str) -> str:
        """The hash that holds the user's tokens.

        Args:
            user_email: The user.

        Returns:
            The key: the prefix, ``tokens:`` and the e-mail address.
        """
        return f"{self.key_prefix}tokens:{user_email}"

    def lock_key(self, user_email: str) -> str:
        """The key of the user's refresh lock.

        Args:
            user_email: The user.

        Returns:
            The key: the prefix, ``lock:`` and the e-mail address.
        """
        return f"{self.key_prefix}lock:{user_email}"

    # -- the TokenStore protocol --------------------------------------------------------------

    async def load(self, user_email: str) -> OAuthTokens | None:
        """The user's hash, or None.

        Args:
            user_email: The user whose tokens to read.

        Returns:
            The user's tokens, or None if none are stored.

        Raises:
            TokenStoreError: Redis cannot be reached, refuses the query, or does not answer in time.
        """
        client = self._redis.client()
        raw = await self._redis.run("loading tokens", client.hgetall(self.token_key(user_email)))
        if not raw:
            return None
        fields = {str(name): value for name, value in raw.items()}
        try:
            return tokens_from_row([fields.get(name) for name in SELECTED])
        except ValueError as exc:
            raise TokenStoreError(
                f"Redis token store at {self.where}: {self.token_key(user_email)!r} holds a "
                f"non-numeric expirytime; delete the key or save new tokens ({exc})"
            ) from None

    async def save(self, tokens: OAuthTokens) -> None:
        """Write every field of the user's hash in one command (shielded: never lost).

        Args:
            tokens: The tokens to store, under ``tokens.user_email``.

        Raises:
            TokenStoreError: Redis cannot be reached, refuses the query, or does not answer in time.
        """
        values: dict[Any, Any] = dict(zip(SELECTED, row_of(tokens), strict=True))
        values["api_domain"] = values["api_domain"] or ""  # Redis has no NULL: empty is none
        with anyio.CancelScope(shield=True):
            client = self._redis.client()
            await self._redis.run(
                "saving tokens", client.hset(self.token_key(tokens.user_email), mapping=values)
            )

    async def delete(self, user_email: str) -> None:
        """Delete the user's hash.

        Args:
            user_email: The user whose tokens to forget.

        Raises:
            TokenStoreError: Redis cannot be reached, refuses the query, or does not answer in time.
        """
        client = self._redis.client()
        await self._redis.run("deleting tokens", client.delete(self.token_key(user_email)))

    async def user_emails(self) -> list[str]:
        """The users with a complete token hash under this store's prefix.

        Found by ``SCAN`` with ``MATCH {prefix}tokens:*`` (the prefix's glob characters
        escaped, so ``a*:`` lists its own users, not ``ab:``'s), ``TYPE hash`` and ``COUNT``
        1000, then ``HMGET`` of the needed fields per step, in one round trip. Chosen over a set
        of users kept beside the hashes: the answer is the hashes themselves, so tokens saved
        before this method existed, or a hash deleted by hand, are counted right with no
        migration, and ``save``/``delete`` stay one command each. The cost, one ``SCAN`` step per
        1000 keys of the database, is paid only here (``is_token_generated()`` without a user,
        once at start); unlike ``KEYS``, no step blocks the server for long. Each command is
        bounded by ``timeout``; the walk ends when the cursor comes back to 0.

        Returns:
            The e-mail addresses, sorted.

        Raises:
            TokenStoreError: Redis cannot be reached, refuses the query, or does not answer in time.
        """
        client = self._redis.client()
        start = self.token_key("")
        pattern = _glob_escaped(start) + "*"
        users: list[str] = []
        cursor: int = 0
        while True:
            cursor, keys = await self._redis.run(
                "listing users (SCAN)",
                client.scan(cursor, match=pattern, count=_SCAN_COUNT, _type="hash"),
            )
            if keys:
                pipe = client.pipeline(transaction=False)
                for key in keys:
                    pipe.hmget(key, _NEEDED)
                fields = await self._redis.run("listing users (HMGET)", pipe.execute())
                users.extend(
                    str(key)[len(start) :]
                    for key, values in zip(keys, fields, strict=True)
                    if all(value is not None for value in values)
                )
            if not cursor:
                return sorted(set(users))  # SCAN may return a key twice

    @asynccontextmanager
    async def refresh_lock(self, user_email: str) -> AsyncIterator[None]:
        """The user's lease lock: taken with ``SET NX PX``, renewed while held, owner-released.

        Args:
            user_email: The user whose refresh the lock guards.

        Yields:
            Nothing; the lock is held while the ``async with`` block runs.

        Raises:
            TokenStoreError: The lock was not free within the lock timeout, or Redis cannot be
                reached.
        """
        client = self._redis.client()
        key = self.lock_key(user_email)
        holder = secrets.token_hex(16)
        ttl_ms = max(100, int(self.lock_ttl * 1000))

        async def try_lock() -> bool:
            taken = await self._redis.run(
                "taking the refresh lock", client.set(key, holder, nx=True, px=ttl_ms)
            )
            return bool(taken)

        await wait_for_lock(
            try_lock,
            timeout=self.lock_timeout,
            what=f"the refresh lock of {user_email!r} in Redis at {self.where} (key {key!r})",
        )
        failure: BaseException | None = None
        try:
            async with anyio.create_task_group() as group:
                group.start_soon(self._keep_renewing, key, holder, ttl_ms, user_email)
                try:
                    yield
                except BaseException as exc:  # raised below, outside the group: not wrapped
                    failure = exc
                finally:
                    group.cancel_scope.cancel()
            if failure is not None:
                raise failure
        finally:
            with anyio.CancelScope(shield=True), anyio.move_on_after(self._redis.timeout):
                try:
                    await self._redis.script(_RELEASE)(keys=[key], args=[holder])
                except Exception as exc:  # the lease expires by itself: say so, go on
                    logger.warning(
                        "could not release the refresh lock of %s in Redis at %s (it expires "
                        "within %gs): %s",
                        user_email,
                        self.where,
                        self.lock_ttl,
                        self._redis.error(exc, "releasing the lock"),
                    )

    async def aclose(self) -> None:
        """Close the connections."""
        await self._redis.aclose()

    # -- internals ----------------------------------------------------------------------------

    async def _keep_renewing(self, key: str, holder: str, ttl_ms: int, user_email: str) -> None:
        """Extend the lease every third of its life while the holder works; stop if it is lost."""
        while True:
            await anyio.sleep(ttl_ms / 3000)
            try:
                renewed = await self._redis.script(_RENEW)(keys=[key], args=[holder, ttl_ms])
            except Exception as exc:  # Redis unreachable: the lease may lapse; keep trying
                logger.warning(
                    "could not renew the refresh lock of %s: %s",
                    user_email,
                    self._redis.error(exc, "renewing the lock"),
                )
                continue
            if not renewed:
                logger.warning(
                    "the refresh lock of %s in Redis at %s expired while held (the process "
                    "stalled longer than lock_ttl=%gs?); another process may refresh too",
                    user_email,
                    self.where,
                    self.lock_ttl,
                )
                return

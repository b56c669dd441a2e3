"""The Redis connection, made from a URL in one place, for everything that shares state in Redis.

It runs on redis-py's asyncio client (the ``redis`` extra), which needs asyncio: under trio
:meth:`RedisConnection.client` raises :class:`UnsupportedBackendError`. The client connects on
its first command, so making it costs nothing; it belongs to the event loop that made it, and a
connection made under another loop is replaced, not reused. Every command is bounded by
``timeout``. Errors name the server (never its password) and say what to check.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, TypeVar

import anyio

from ._backend import current_backend
from ._exceptions import InvalidArgumentError, UnsupportedBackendError, ZCRMError
from ._urls import check_redis_url, redact_url, url_password, without_password

if TYPE_CHECKING:
    import asyncio

    from redis.asyncio import Redis

__all__ = ["RedisConnection"]

T = TypeVar("T")


def _redis_module() -> Any:
    try:
        import redis.asyncio
    except ImportError as exc:
        raise ZCRMError(
            "Redis support needs the redis package: pip install 'zcrm_async[redis]'"
        ) from exc
    return redis


class RedisConnection:
    """One Redis server, by URL: a lazily made client, bounded commands, errors that explain.

    ``component`` names the user of the connection in errors (e.g. ``"RedisStore"``),
    ``error_class`` is the exception those errors raise and ``under_trio`` what to use instead
    under trio. At most ``max_connections`` connections are open at once; more concurrent
    commands wait for one.
    """

    def __init__(
        self,
        url: str,
        *,
        component: str,
        error_class: type[ZCRMError],
        timeout: float = 10.0,
        under_trio: str = "the PostgreSQL, SQLite or file token store",
        max_connections: int = 50,
    ) -> None:
        if not timeout > 0:
            raise InvalidArgumentError(f"timeout must be a number of seconds > 0, got {timeout!r}")
        self.url = check_redis_url(url)
        self.where = redact_url(self.url)
        self.timeout = timeout
        self.max_connections = max_connections
        self._password = url_password(self.url)
        self._component = component
        self._error_class = error_class
        self._under_trio = under_trio
        self._client: Redis | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._scripts: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"RedisConnection({self.where!r})"

    def client(self) -> Redis:
        """The client for the running event loop (made on first use; connects lazily)."""
        if current_backend() != "asyncio":
            raise UnsupportedBackendError(
                f"{self._component} runs on redis-py's asyncio client, which supports asyncio "
                f"only; under trio use {self._under_trio}, or run under asyncio"
            )
        loop = _running_loop()
        if self._client is None or self._loop is not loop:
            redis = _redis_module()
            # A blocking pool: more concurrent commands than connections wait (up to
            # ``timeout``) for one, rather than failing with "Too many connections".
            pool = redis.asyncio.BlockingConnectionPool.from_url(
                self.url,
                max_connections=self.max_connections,
                timeout=self.timeout,
                decode_responses=True,
                socket_timeout=self.timeout,
                socket_connect_timeout=self.timeout,
                health_check_interval=30,
            )
            self._client = redis.asyncio.Redis.from_pool(pool)
            self._loop = loop
        assert self._client is not None
        return self._client

    def script(self, source: str) -> Any:
        """The Lua ``source`` registered on the current client (run by EVALSHA; loaded again
        if the server was flushed or restarted)."""
        client = self.client()
        script = self._scripts.get(source)
        if script is None or script.registered_client is not client:
            script = self._scripts[source] = client.register_script(source)
        return script

    async def run(self, doing: str, call: Awaitable[T]) -> T:
        """Await one command; a Redis or network failure becomes ``error_class``."""
        redis = _redis_module()
        try:
            return await call
        except (redis.exceptions.RedisError, OSError) as exc:
            raise self.error(exc, doing) from exc

    def error(self, exc: BaseException, doing: str) -> ZCRMError:
        """``exc`` as ``error_class``: the server, what failed, what to check; no password."""
        redis = _redis_module()
        errors = redis.exceptions
        wrong_login = errors.AuthenticationError | errors.AuthenticationWrongNumberOfArgsError
        if isinstance(exc, wrong_login):
            hint = "; check the user name and password in the URL"
        elif isinstance(exc, errors.ConnectionError | errors.TimeoutError | OSError):
            hint = "; is the server running, and is the URL right?"
        elif isinstance(exc, errors.NoPermissionError) or "NOPERM" in str(exc):
            hint = "; the Redis user lacks an ACL permission (it needs read, write and scripting)"
        elif isinstance(exc, errors.ReadOnlyError):
            hint = "; the URL names a read-only replica: point it at the primary"
        else:
            hint = ""
        message = f"{self._component} at {self.where}: {doing} failed: {exc}{hint}"
        return self._error_class(without_password(message, self._password))

    async def aclose(self) -> None:
        """Close the client's connections (made under another loop: just forgotten)."""
        client, self._client = self._client, None
        loop, self._loop = self._loop, None
        self._scripts.clear()
        if client is None:
            return
        if current_backend() == "asyncio" and loop is _running_loop():
            # Shielded (and bounded): a close in a cancelled scope would leave the sockets open.
            with anyio.CancelScope(shield=True), anyio.move_on_after(self.timeout):
                await client.aclose()


def _running_loop() -> asyncio.AbstractEventLoop:
    """The running asyncio loop. asyncio is imported here, not with the package: under asyncio
    it is loaded already; the package's import (the credit budget imports this module) does not
    pay ~20 ms for it, nor does a trio program."""
    import asyncio

    return asyncio.get_running_loop()

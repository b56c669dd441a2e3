"""The SQLite token store, the embedded default: the seed's columns, WAL, a lease lock row.

Under asyncio it runs on aiosqlite; under trio (where aiosqlite cannot run) on stdlib
``sqlite3`` in a worker thread. Both run the same statements through :class:`_Connection`.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

import anyio

from .._backend import current_backend
from .._exceptions import TokenStoreError
from .._models import OAuthTokens
from ._base import LOCK_TIMEOUT, BaseTokenStore

__all__ = ["SQLiteStore"]

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS oauthtokens (
        useridentifier VARCHAR(100) PRIMARY KEY,
        accesstoken VARCHAR(100) NOT NULL,
        refreshtoken VARCHAR(100) NOT NULL,
        expirytime BIGINT NOT NULL,
        api_domain VARCHAR(255)
    )""",
    """CREATE TABLE IF NOT EXISTS zcrm_refresh_locks (
        useridentifier VARCHAR(100) PRIMARY KEY,
        holder VARCHAR(64) NOT NULL,
        expires_at BIGINT NOT NULL
    )""",
)

Rows = list[tuple[Any, ...]]


class _Connection(Protocol):
    async def execute(self, sql: str, params: Sequence[Any] = ()) -> Rows: ...
    async def close(self) -> None: ...


class _AioConnection:
    """aiosqlite (asyncio only)."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> Rows:
        async with self._conn.execute(sql, params) as cursor:
            rows: Rows = list(await cursor.fetchall())
            return rows

    async def close(self) -> None:
        await self._conn.close()


class _ThreadConnection:
    """stdlib sqlite3 in anyio worker threads, one statement at a time (any backend)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._limiter = anyio.CapacityLimiter(1)

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> Rows:
        def run() -> Rows:
            return self._conn.execute(sql, params).fetchall()

        return await anyio.to_thread.run_sync(run, limiter=self._limiter)

    async def close(self) -> None:
        await anyio.to_thread.run_sync(self._conn.close, limiter=self._limiter)


class SQLiteStore(BaseTokenStore):
    """Tokens in a SQLite database (table ``oauthtokens``, the seed's columns plus api_domain).

    The connection opens lazily inside the running event loop. ``refresh_lock`` is a lease row in
    ``zcrm_refresh_locks`` taken under ``BEGIN IMMEDIATE``; a crashed holder's lease expires.
    """

    def __init__(self, path: str | os.PathLike[str], *, busy_timeout: float = 10.0) -> None:
        self.path = Path(path).expanduser()
        self._busy_timeout = busy_timeout
        self._conn: _Connection | None = None
        self._open_lock: anyio.Lock | None = None
        self._statement_lock: anyio.Lock | None = None

    def __repr__(self) -> str:
        return f"SQLiteStore(path={str(self.path)!r})"

    async def load(self, user_email: str) -> OAuthTokens | None:
        """The user's row, or None."""
        rows = await self._execute(
            "SELECT useridentifier, accesstoken, refreshtoken, expirytime, api_domain "
            "FROM oauthtokens WHERE useridentifier = ?",
            (user_email,),
        )
        if not rows:
            return None
        user, access, refresh, expiry, api_domain = rows[0]
        return OAuthTokens(str(user), str(access), str(refresh), int(expiry), api_domain)

    async def save(self, tokens: OAuthTokens) -> None:
        """Upsert the user's row in one statement."""
        with anyio.CancelScope(shield=True):
            await self._execute(
                "INSERT INTO oauthtokens "
                "(useridentifier, accesstoken, refreshtoken, expirytime, api_domain) "
                "VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(useridentifier) DO UPDATE SET accesstoken = excluded.accesstoken, "
                "refreshtoken = excluded.refreshtoken, expirytime = excluded.expirytime, "
                "api_domain = excluded.api_domain",
                (
                    tokens.user_email,
                    tokens.access_token,
                    tokens.refresh_token,
                    tokens.expiry_time,
                    tokens.api_domain,
                ),
            )

    async def delete(self, user_email: str) -> None:
        """Delete the user's row."""
        await self._execute("DELETE FROM oauthtokens WHERE useridentifier = ?", (user_email,))

    @asynccontextmanager
    async def refresh_lock(self, user_email: str) -> AsyncIterator[None]:
        """A lease row per user: taken when absent or expired, released by its holder."""
        holder = secrets.token_hex(8)  # per acquisition: tasks of one process exclude each other
        with anyio.move_on_after(LOCK_TIMEOUT) as scope:
            delay = 0.005
            while not await self._try_lock(user_email, holder):
                await anyio.sleep(delay)
                delay = min(delay * 2, 0.05)
        if scope.cancelled_caught:
            raise TokenStoreError(
                f"timed out waiting for the refresh lock of {user_email!r} in {self.path}"
            )
        try:
            yield
        finally:
            with anyio.CancelScope(shield=True):
                await self._execute(
                    "DELETE FROM zcrm_refresh_locks WHERE useridentifier = ? AND holder = ?",
                    (user_email, holder),
                )

    async def aclose(self) -> None:
        """Close the connection."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await conn.close()

    # -- internals ----------------------------------------------------------------------------

    async def _try_lock(self, user_email: str, holder: str) -> bool:
        conn = await self._connection()
        try:
            async with self._serial():
                return await self._take_lease(conn, user_email, holder)
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return False
            raise self._error(exc) from exc

    async def _take_lease(self, conn: _Connection, user_email: str, holder: str) -> bool:
        now = int(time.time() * 1000)
        await conn.execute("BEGIN IMMEDIATE")
        try:
            await conn.execute(
                "DELETE FROM zcrm_refresh_locks WHERE useridentifier = ? AND expires_at < ?",
                (user_email, now),
            )
            await conn.execute(
                "INSERT OR IGNORE INTO zcrm_refresh_locks VALUES (?, ?, ?)",
                (user_email, holder, now + int(LOCK_TIMEOUT * 1000)),
            )
            rows = await conn.execute(
                "SELECT holder FROM zcrm_refresh_locks WHERE useridentifier = ?", (user_email,)
            )
        finally:
            with anyio.CancelScope(shield=True):
                await conn.execute("COMMIT")
        return bool(rows) and rows[0][0] == holder

    def _serial(self) -> anyio.Lock:
        """One statement or transaction at a time on the shared connection."""
        if self._statement_lock is None:
            self._statement_lock = anyio.Lock()
        return self._statement_lock

    async def _execute(self, sql: str, params: Sequence[Any] = ()) -> Rows:
        conn = await self._connection()
        try:
            async with self._serial():
                return await conn.execute(sql, params)
        except sqlite3.DatabaseError as exc:
            raise self._error(exc) from exc

    def _error(self, exc: BaseException) -> TokenStoreError:
        return TokenStoreError(
            f"SQLite token database {self.path} failed: {exc}. If it is corrupt or not a "
            "database, move it away (nothing was overwritten) or set sqlite_path elsewhere"
        )

    async def _connection(self) -> _Connection:
        if self._conn is not None:
            return self._conn
        if self._open_lock is None:
            self._open_lock = anyio.Lock()
        async with self._open_lock:
            if self._conn is None:
                try:
                    self._conn = await self._open()
                except (sqlite3.DatabaseError, OSError) as exc:
                    raise self._error(exc) from exc
        return self._conn

    async def _open(self) -> _Connection:
        await anyio.to_thread.run_sync(self._prepare_file)
        conn: _Connection
        if current_backend() == "asyncio":
            import aiosqlite  # deferred: importing it costs more than the rest of the SDK

            raw = await aiosqlite.connect(
                self.path, timeout=self._busy_timeout, isolation_level=None
            )
            conn = _AioConnection(raw)
        else:
            raw_sync = await anyio.to_thread.run_sync(self._connect_sync)
            conn = _ThreadConnection(raw_sync)
        try:
            await conn.execute("PRAGMA journal_mode=WAL")
            for statement in _SCHEMA:
                await conn.execute(statement)
            columns = {row[1] for row in await conn.execute("PRAGMA table_info(oauthtokens)")}
            if "api_domain" not in columns:  # a table made by an older tool: widen it
                await conn.execute("ALTER TABLE oauthtokens ADD COLUMN api_domain VARCHAR(255)")
        except BaseException:
            with anyio.CancelScope(shield=True):
                await conn.close()
            raise
        return conn

    def _connect_sync(self) -> sqlite3.Connection:
        return sqlite3.connect(
            self.path, timeout=self._busy_timeout, isolation_level=None, check_same_thread=False
        )

    def _prepare_file(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not self.path.exists():
            fd = os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)

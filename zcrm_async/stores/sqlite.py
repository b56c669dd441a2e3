"""The SQLite token store, the embedded default: the classic columns, WAL, an OS-level lock.

Under asyncio it runs on aiosqlite; under trio (where aiosqlite cannot run) on stdlib
``sqlite3`` in a worker thread. Both run the same statements through :class:`_Connection`.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

import anyio

from .._backend import current_backend
from .._exceptions import TokenStoreError
from .._logging import logger, protect_driver_logger
from .._models import OAuthTokens
from ._base import LOCK_TIMEOUT, BaseTokenStore
from ._filelock import file_lock

__all__ = ["SQLiteStore"]

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS oauthtokens (
        useridentifier VARCHAR(100) PRIMARY KEY,
        accesstoken VARCHAR(100) NOT NULL,
        refreshtoken VARCHAR(100) NOT NULL,
        expirytime BIGINT NOT NULL,
        api_domain VARCHAR(255)
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
    """Tokens in a SQLite database (table ``oauthtokens``, the classic columns plus api_domain).

    The connection opens lazily inside the running event loop. ``refresh_lock`` is an ``flock``
    on a lock file of the user's in ``<database>.locks/``: the OS releases it the moment its
    holder exits, however it exits (even SIGKILL), so nobody waits out a dead holder. The
    database and its ``-wal``/``-shm`` files are kept private (mode 0600).

    Args:
        path: The database file (created with its table on first use).
        busy_timeout: Seconds a statement waits for another process's write to finish.
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
        """The user's row, or None.

        Args:
            user_email: The user whose tokens to read.

        Returns:
            The user's tokens, or None if none are stored.

        Raises:
            TokenStoreError: The database file cannot be opened, or SQLite refuses the query.
        """
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
        """Upsert the user's row in one statement (shielded: a minted token is never lost).

        Args:
            tokens: The tokens to store, under ``tokens.user_email``.

        Raises:
            TokenStoreError: The database file cannot be opened, or SQLite refuses the query.
        """
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
        """Delete the user's row.

        Args:
            user_email: The user whose tokens to forget.

        Raises:
            TokenStoreError: The database file cannot be opened, or SQLite refuses the query.
        """
        await self._execute("DELETE FROM oauthtokens WHERE useridentifier = ?", (user_email,))

    async def user_emails(self) -> list[str]:
        """The users with a row.

        Returns:
            The e-mail addresses, sorted.

        Raises:
            TokenStoreError: The database file cannot be opened, or SQLite refuses the query.
        """
        rows = await self._execute("SELECT useridentifier FROM oauthtokens ORDER BY 1")
        return [str(row[0]) for row in rows]

    @asynccontextmanager
    async def refresh_lock(self, user_email: str) -> AsyncIterator[None]:
        """An ``flock`` on the user's lock file beside the database (dies with its holder).

        Args:
            user_email: The user whose refresh the lock guards.

        Yields:
            Nothing; the lock is held while the ``async with`` block runs.

        Raises:
            TokenStoreError: The lock was not free within the lock timeout.
        """
        name = hashlib.sha256(user_email.encode()).hexdigest()[:40]
        folder = self.path.with_name(f"{self.path.name}.locks")
        await anyio.to_thread.run_sync(_private_folder, folder)
        async with file_lock(folder / f"{name}.lock", LOCK_TIMEOUT):
            yield

    async def aclose(self) -> None:
        """Close the connection."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await conn.close()

    # -- internals ----------------------------------------------------------------------------

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

            protect_driver_logger("aiosqlite")  # it logs statement parameters at DEBUG
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
            await anyio.to_thread.run_sync(self._tighten_modes)  # WAL made -wal and -shm
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
        self._tighten_modes()

    def _tighten_modes(self) -> None:
        """Tokens are secrets: a database (or -wal, -shm) others may read is made 0600."""
        for path in (self.path, *(self.path.with_name(self.path.name + s) for s in _SIDE_FILES)):
            try:
                mode = stat.S_IMODE(path.stat().st_mode)
            except FileNotFoundError:
                continue
            if mode & 0o077 == 0:
                continue
            try:
                path.chmod(mode & 0o700)
            except OSError as exc:
                logger.warning(
                    "token database file %s is readable by other users (mode %o) and could not "
                    "be made private: %s; chmod 600 it",
                    path,
                    mode,
                    exc,
                )
            else:
                logger.warning(
                    "token database file %s was readable by other users (mode %o): made it %o",
                    path,
                    mode,
                    mode & 0o700,
                )


_SIDE_FILES = ("-wal", "-shm", "-journal")


def _private_folder(folder: Path) -> None:
    folder.mkdir(mode=0o700, exist_ok=True)

"""The PostgreSQL token store, on psycopg 3: the classic ``oauthtokens`` table, advisory locks.

Under asyncio it uses psycopg's async connections; under trio (which psycopg's async API does
not support) the same statements run on psycopg's blocking connections in worker threads.
Connections open lazily, on first use. That first use also creates the database and the table
if they are missing, or adopts a table made by hand in the classic shape (adding
``api_domain``, widening the token columns, adding a unique key on ``useridentifier``), under
an advisory lock so that processes starting together migrate once.

Every wait is bounded: connecting by ``connect_timeout``, each statement by a server-side
``statement_timeout`` and by TCP keepalives and ``tcp_user_timeout`` on the socket, the wait
for another process's refresh by ``lock_timeout``.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

import anyio

from .._backend import current_backend
from .._exceptions import InvalidArgumentError, TokenStoreError
from .._models import OAuthTokens
from .._urls import (
    POSTGRES_URL_EXAMPLE,
    check_postgres_url,
    redact_url,
    url_password,
    without_password,
)
from ._base import LOCK_TIMEOUT, BaseTokenStore
from ._lockwait import wait_for_lock
from ._seedtable import (
    SELECTED,
    TABLE,
    TOKEN_WIDTH,
    Column,
    duplicate_users_error,
    plan_adoption,
    row_of,
    setup_needed_error,
    tokens_from_row,
)

if TYPE_CHECKING:
    from .._config import Config

__all__ = ["PostgresStore"]

_DEFAULT_DATABASE = "zohooauth"
_MAINTENANCE_DATABASE = "postgres"
_UNIQUE_KEY = "zcrm_useridentifier"

# Spelt out: nothing is ever interpolated into these; values are bound parameters.
_LOAD = f"SELECT {', '.join(SELECTED)} FROM oauthtokens WHERE useridentifier = %s"  # noqa: S608
_UPSERT = (
    f"INSERT INTO oauthtokens ({', '.join(SELECTED)}) VALUES (%s, %s, %s, %s, %s) "  # noqa: S608
    "ON CONFLICT (useridentifier) DO UPDATE SET accesstoken = EXCLUDED.accesstoken, "
    "refreshtoken = EXCLUDED.refreshtoken, expirytime = EXCLUDED.expirytime, "
    "api_domain = EXCLUDED.api_domain"
)
_DELETE = "DELETE FROM oauthtokens WHERE useridentifier = %s"
# Sorted by the caller: the database's collation may not be code-point order.
_USERS = (
    "SELECT useridentifier FROM oauthtokens WHERE accesstoken IS NOT NULL "
    "AND refreshtoken IS NOT NULL AND expirytime IS NOT NULL"
)
_TABLE_DDL = (
    "CREATE TABLE IF NOT EXISTS oauthtokens (\n"
    "  useridentifier varchar(100) PRIMARY KEY,\n"
    f"  accesstoken varchar({TOKEN_WIDTH}),\n"
    f"  refreshtoken varchar({TOKEN_WIDTH}),\n"
    "  expirytime bigint,\n"
    "  api_domain varchar(255)\n"
    ")"
)
# Bounds on the server's side: each statement, and how soon it notices a vanished client (and
# so ends its session, dropping the refresh lock it held): about 25 s of silence.
_SESSION_SETTINGS = (
    "SELECT set_config('statement_timeout', %s, false), "
    "set_config('tcp_keepalives_idle', '10', false), "
    "set_config('tcp_keepalives_interval', '5', false), "
    "set_config('tcp_keepalives_count', '3', false)"
)
_COLUMNS = (
    "SELECT column_name, data_type, character_maximum_length, is_nullable "
    "FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = %s"
)
_UNIQUE_COLUMN_SETS = (
    "SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_index i "
    "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
    "WHERE i.indrelid = to_regclass(%s) AND i.indisunique GROUP BY i.indexrelid"
)
_DUPLICATES = (
    "SELECT useridentifier, count(*) FROM oauthtokens GROUP BY useridentifier HAVING count(*) > 1"
)

# SQLSTATEs (PostgreSQL's error codes).
_INSUFFICIENT_PRIVILEGE = "42501"
_DUPLICATE_DATABASE = "42P04"
_AUTH_FAILED = {"28000", "28P01"}

Rows = list[tuple[Any, ...]]


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError as exc:
        raise TokenStoreError(
            "PostgresStore needs psycopg: pip install 'zcrm_async[postgres]'"
        ) from exc
    return psycopg


def _lock_key(name: str) -> int:
    """A signed 64-bit advisory-lock key for ``name`` (advisory locks are per database)."""
    digest = hashlib.sha256(f"zcrm_async\0{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class _Session(Protocol):
    """One server session: statements one at a time, on asyncio or in worker threads."""

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> Rows: ...
    async def close(self) -> None: ...


class _AsyncSession:
    """psycopg's async connection (asyncio)."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> Rows:
        async with self._conn.cursor() as cursor:
            await cursor.execute(sql, params)
            rows: Rows = await cursor.fetchall() if cursor.description else []
            return rows

    async def close(self) -> None:
        await self._conn.close()


class _ThreadSession:
    """psycopg's blocking connection in anyio worker threads (any backend; used under trio)."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> Rows:
        def run() -> Rows:
            with self._conn.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall() if cursor.description else []

        return await anyio.to_thread.run_sync(run)

    async def close(self) -> None:
        await anyio.to_thread.run_sync(self._conn.close)


class _SchemaPrivilegeError(Exception):
    """The user may not create the database (``server``) or the table (``in_database``)."""

    def __init__(self, cause: BaseException, server: list[str], in_database: list[str]) -> None:
        self.cause = cause
        self.server = server
        self.in_database = in_database


class PostgresStore(BaseTokenStore):
    """Tokens in PostgreSQL: table ``oauthtokens`` (the classic columns plus ``api_domain``).

    ``url`` is a libpq URL, ``postgresql://user:password@host:port/database`` (query
    parameters such as ``sslmode`` pass through; the database defaults to ``zohooauth``).
    ``refresh_lock`` is a session-level advisory lock on a connection of its own: if the holder
    dies, its session ends and the server drops the lock. Needs the ``postgres`` extra.

    Args:
        url: The libpq URL of the database.
        connect_timeout: Seconds to connect.
        timeout: Seconds per statement.
        lock_timeout: Seconds to wait for another process's refresh lock.

    Raises:
        InvalidArgumentError: A timeout that is not positive, or a URL that is not a
            ``postgresql://`` URL.
    """

    def __init__(
        self,
        url: str = "postgresql://postgres@127.0.0.1:5432/zohooauth",
        *,
        connect_timeout: float = 10.0,
        timeout: float = 10.0,
        lock_timeout: float = LOCK_TIMEOUT,
    ) -> None:
        for name, value in (
            ("connect_timeout", connect_timeout),
            ("timeout", timeout),
            ("lock_timeout", lock_timeout),
        ):
            if not value > 0:
                raise InvalidArgumentError(f"{name} must be a number of seconds > 0, got {value!r}")
        self.url = check_postgres_url(url)
        parts = urlsplit(self.url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 5432
        self.user = parts.username
        self.database = parts.path.lstrip("/") or _DEFAULT_DATABASE
        self.connect_timeout = connect_timeout
        self.timeout = timeout
        self.lock_timeout = lock_timeout
        self._password = url_password(self.url)
        self._session: _Session | None = None
        self._session_backend: str | None = None
        self._schema_ready = False
        self._open_lock: anyio.Lock | None = None
        self._statement_lock: anyio.Lock | None = None

    @classmethod
    def from_config(cls, config: Config) -> PostgresStore:
        """The store ``postgres_url`` describes.

        Args:
            config: The client's configuration.

        Returns:
            The store, not yet connected.

        Raises:
            TokenStoreError: ``postgres_url`` is not set.
        """
        if not config.postgres_url:
            raise TokenStoreError("PostgresStore needs postgres_url, e.g. " + POSTGRES_URL_EXAMPLE)
        return cls(config.postgres_url)

    def __repr__(self) -> str:
        return f"PostgresStore({redact_url(self.url)!r})"

    # -- the TokenStore protocol --------------------------------------------------------------

    async def load(self, user_email: str) -> OAuthTokens | None:
        """The user's row, or None.

        Args:
            user_email: The user whose tokens to read.

        Returns:
            The user's tokens, or None if none are stored.

        Raises:
            TokenStoreError: PostgreSQL cannot be reached, refuses the query, or does not answer
                in time.
        """
        rows = await self._execute(_LOAD, (user_email,), "loading tokens")
        return tokens_from_row(rows[0]) if rows else None

    async def save(self, tokens: OAuthTokens) -> None:
        """Upsert the user's row in one statement (shielded: a minted token is never lost).

        Args:
            tokens: The tokens to store, under ``tokens.user_email``.

        Raises:
            TokenStoreError: PostgreSQL cannot be reached, refuses the query, or does not answer
                in time.
        """
        with anyio.CancelScope(shield=True):
            await self._execute(_UPSERT, row_of(tokens), "saving tokens")

    async def delete(self, user_email: str) -> None:
        """Delete the user's row.

        Args:
            user_email: The user whose tokens to forget.

        Raises:
            TokenStoreError: PostgreSQL cannot be reached, refuses the query, or does not answer
                in time.
        """
        await self._execute(_DELETE, (user_email,), "deleting tokens")

    async def user_emails(self) -> list[str]:
        """The users with a complete row (one ``SELECT``; a half-written row is no tokens).

        Returns:
            The e-mail addresses, sorted.

        Raises:
            TokenStoreError: PostgreSQL cannot be reached, refuses the query, or does not answer
                in time.
        """
        rows = await self._execute(_USERS, (), "listing users")
        return sorted(str(row[0]) for row in rows)  # code-point order, whatever the collation

    @asynccontextmanager
    async def refresh_lock(self, user_email: str) -> AsyncIterator[None]:
        """A session advisory lock per database and user, on a connection of its own.

        A connection of its own because advisory locks belong to sessions (a session takes its
        own lock again) and the body needs the shared connection for ``load``/``save``.

        Args:
            user_email: The user whose refresh the lock guards.

        Yields:
            Nothing; the lock is held while the ``async with`` block runs.

        Raises:
            TokenStoreError: The lock was not free within the lock timeout, or PostgreSQL cannot
                be reached.
        """
        await self._shared_session()  # schema first: its errors are clearer than the lock's
        key = _lock_key(f"refresh\0{user_email}")
        session = await self._connect(self.database)

        async def try_lock() -> bool:
            rows = await self._run(session, "SELECT pg_try_advisory_lock(%s)", (key,))
            return bool(rows and rows[0][0])

        try:
            await wait_for_lock(
                try_lock,
                timeout=self.lock_timeout,
                what=f"the refresh lock of {user_email!r} on PostgreSQL {self._where()}",
            )
        except BaseException:
            with anyio.CancelScope(shield=True):
                await self._close_quietly(session)  # ending the session drops any lock
            raise
        try:
            yield
        finally:
            with anyio.CancelScope(shield=True):
                # Closing the session releases it too, so a failure here loses nothing.
                with contextlib.suppress(TokenStoreError):
                    await self._run(session, "SELECT pg_advisory_unlock(%s)", (key,))
                await self._close_quietly(session)

    async def aclose(self) -> None:
        """Close the shared connection."""
        session, self._session = self._session, None
        backend, self._session_backend = self._session_backend, None
        if session is not None and backend == current_backend():
            await self._close_quietly(session)

    # -- internals ----------------------------------------------------------------------------

    def _where(self, database: str | None = None) -> str:
        user = f"user {self.user!r}, " if self.user else ""
        return f"{self.host}:{self.port} ({user}database {database or self.database!r})"

    def _error(
        self, exc: BaseException, doing: str, database: str | None = None
    ) -> TokenStoreError:
        sqlstate = getattr(exc, "sqlstate", None)
        text = str(exc).strip()
        unreachable = ("Connection refused", "timeout expired", "could not translate host")
        if sqlstate in _AUTH_FAILED or "authentication failed" in text or "role " in text:
            hint = "; check the user name and password in postgres_url"
        elif sqlstate == _INSUFFICIENT_PRIVILEGE:
            hint = f"; grant the user SELECT, INSERT, UPDATE, DELETE on {TABLE}"
        elif isinstance(exc, OSError) or any(sign in text for sign in unreachable):
            hint = "; is the server running, and are the host and port in postgres_url right?"
        else:
            hint = ""
        message = f"PostgreSQL token store at {self._where(database)}: {doing} failed: {text}{hint}"
        return TokenStoreError(without_password(message, self._password))

    async def _connect(self, database: str) -> _Session:
        """A new session on ``database``, bounded and with a statement timeout."""
        psycopg = _psycopg()
        args: dict[str, Any] = {
            "dbname": database,
            "autocommit": True,
            "connect_timeout": max(1, round(self.connect_timeout)),
            "application_name": "zcrm_async",
            "keepalives": 1,
            "keepalives_idle": 10,
            "keepalives_interval": 5,
            "keepalives_count": 3,
            "tcp_user_timeout": int(self.timeout * 1000),
        }
        session: _Session
        try:
            if current_backend() == "asyncio":
                session = _AsyncSession(await psycopg.AsyncConnection.connect(self.url, **args))
            else:

                def connect() -> Any:
                    return psycopg.Connection.connect(self.url, **args)

                session = _ThreadSession(await anyio.to_thread.run_sync(connect))
        except (psycopg.Error, OSError) as exc:
            raise self._error(exc, "connecting", database) from exc
        try:
            timeout_ms = str(int(self.timeout * 1000))
            await self._run(session, _SESSION_SETTINGS, (timeout_ms,))
        except BaseException:
            with anyio.CancelScope(shield=True):
                await self._close_quietly(session)
            raise
        return session

    async def _run(
        self, session: _Session, sql: str, params: Sequence[Any] = (), doing: str = "a query"
    ) -> Rows:
        psycopg = _psycopg()
        try:
            return await session.execute(sql, params)
        except psycopg.Error as exc:
            raise self._error(exc, doing) from exc

    @staticmethod
    async def _close_quietly(session: _Session) -> None:
        with contextlib.suppress(Exception):  # the session is being discarded either way
            await session.close()

    async def _execute(self, sql: str, params: Sequence[Any], doing: str) -> Rows:
        """Run one statement on the shared session; a dropped connection is retried once."""
        psycopg = _psycopg()
        for attempt in (1, 2):
            session = await self._shared_session()
            async with self._statements():
                try:
                    return await session.execute(sql, params)
                except psycopg.OperationalError as exc:
                    self._session = None  # never reuse a broken or mid-statement session
                    await self._close_quietly(session)
                    if attempt == 1 and self._is_disconnect(exc):
                        continue
                    raise self._error(exc, doing) from exc
                except psycopg.Error as exc:
                    raise self._error(exc, doing) from exc
                except BaseException:
                    self._session = None  # cancelled mid-statement: the state is unknown
                    with anyio.CancelScope(shield=True):
                        await self._close_quietly(session)
                    raise
        raise AssertionError("unreachable")

    @staticmethod
    def _is_disconnect(exc: BaseException) -> bool:
        sqlstate = getattr(exc, "sqlstate", None)
        return sqlstate is None or sqlstate.startswith(("08", "57P"))

    def _statements(self) -> anyio.Lock:
        """One statement at a time on the shared session."""
        if self._statement_lock is None:
            self._statement_lock = anyio.Lock()
        return self._statement_lock

    async def _shared_session(self) -> _Session:
        backend = current_backend()
        if self._session is not None and self._session_backend == backend:
            return self._session
        if self._open_lock is None:
            self._open_lock = anyio.Lock()
        async with self._open_lock:
            if self._session is None or self._session_backend != backend:
                if not self._schema_ready:
                    await self._prepare_schema()
                    self._schema_ready = True
                self._session = await self._connect(self.database)
                self._session_backend = backend
        return self._session

    async def _prepare_schema(self) -> None:
        """Create the database and the table if missing, or adopt a classic-shaped table."""
        try:
            session = await self._connect_creating_database()
            try:
                schema_key = _lock_key("schema")
                await self._run(session, "SELECT pg_advisory_lock(%s)", (schema_key,))
                await self._migrate(session)
            finally:
                with anyio.CancelScope(shield=True):
                    await self._close_quietly(session)  # ending the session releases the lock
        except _SchemaPrivilegeError as exc:
            steps = [
                ("connected to the server", exc.server),
                (f"connected to database {self._quote(self.database)}", exc.in_database),
            ]
            raise setup_needed_error(
                f"PostgreSQL token store at {self._where()}", exc.cause, steps
            ) from exc.cause

    async def _connect_creating_database(self) -> _Session:
        """A session on the store's database, creating the database first if it is missing."""
        try:
            return await self._connect(self.database)
        except TokenStoreError as first_error:
            original = first_error
        try:
            maintenance = await self._connect(_MAINTENANCE_DATABASE)
        except TokenStoreError:
            raise original from None
        try:
            found = await self._run(
                maintenance, "SELECT 1 FROM pg_database WHERE datname = %s", (self.database,)
            )
            if found:
                raise original  # the database exists: the first error was something else
            await self._create_database(maintenance)
        finally:
            with anyio.CancelScope(shield=True):
                await self._close_quietly(maintenance)
        return await self._connect(self.database)

    async def _create_database(self, maintenance: _Session) -> None:
        psycopg = _psycopg()
        create = f"CREATE DATABASE {self._quote(self.database)}"
        try:
            await maintenance.execute(create)
        except psycopg.Error as exc:
            if exc.sqlstate == _DUPLICATE_DATABASE:
                return  # another process made it meanwhile
            if exc.sqlstate == _INSUFFICIENT_PRIVILEGE:
                grant = await self._grant(maintenance)
                raise _SchemaPrivilegeError(exc, [create], [_TABLE_DDL, grant]) from exc
            raise self._error(exc, "creating the database", _MAINTENANCE_DATABASE) from exc

    async def _migrate(self, session: _Session) -> None:
        rows = await self._run(session, _COLUMNS, (TABLE,), "reading the table's columns")
        if not rows:
            await self._ddl(session, [_TABLE_DDL])
            return
        columns = {
            str(name).lower(): Column(str(name).lower(), str(kind), length, nullable == "YES")
            for name, kind, length, nullable in rows
        }
        changes = plan_adoption(columns, f"PostgreSQL token store at {self._where()}")
        alterations = []
        if changes.add_api_domain:
            alterations.append("ADD COLUMN api_domain varchar(255) NULL")
        alterations += [
            f"ALTER COLUMN {column.name} TYPE varchar({TOKEN_WIDTH})" for column in changes.widen
        ]
        unique_sets = await self._run(session, _UNIQUE_COLUMN_SETS, (TABLE,))
        if not any(list(row[0]) == ["useridentifier"] for row in unique_sets):
            await self._check_no_duplicates(session)
            alterations.append(f"ADD CONSTRAINT {_UNIQUE_KEY} UNIQUE (useridentifier)")
        if alterations:
            await self._ddl(session, [f"ALTER TABLE {TABLE} " + ", ".join(alterations)])

    async def _check_no_duplicates(self, session: _Session) -> None:
        rows = await self._run(session, _DUPLICATES)
        if rows:
            raise duplicate_users_error(
                f"PostgreSQL token store at {self._where()}",
                rows,
                # Advice shown to the user, never executed here.
                "DELETE FROM oauthtokens a USING oauthtokens b WHERE a.useridentifier = "
                "b.useridentifier AND a.expirytime < b.expirytime",
            )

    async def _ddl(self, session: _Session, statements: list[str]) -> None:
        psycopg = _psycopg()
        for done, statement in enumerate(statements):
            try:
                await session.execute(statement)
            except psycopg.Error as exc:
                if exc.sqlstate == _INSUFFICIENT_PRIVILEGE:
                    grant = await self._grant(session)
                    raise _SchemaPrivilegeError(exc, [], [*statements[done:], grant]) from exc
                raise self._error(exc, "preparing the token table") from exc

    async def _grant(self, session: _Session) -> str:
        """The GRANT that lets this store's user (as the server knows it) use the table."""
        rows = await self._run(session, "SELECT current_user")
        user = str(rows[0][0]) if rows else (self.user or "zcrm")
        return f"GRANT SELECT, INSERT, UPDATE, DELETE ON {TABLE} TO {self._quote(user)}"

    @staticmethod
    def _quote(identifier: str) -> str:
        """A name as a quoted identifier (identifiers cannot be bound parameters)."""
        return '"' + identifier.replace('"', '""') + '"'

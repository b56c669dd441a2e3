"""The MySQL/MariaDB token store, on asyncmy: the classic ``oauthtokens`` table, ``GET_LOCK``.

asyncmy runs under asyncio only; under trio every method raises
:class:`~zcrm_async.UnsupportedBackendError`. The connection pool is created lazily, inside
the running event loop, on first use. That first use also creates the database and the table
if they are missing, or adopts a table made by the classic SDKs (adding ``api_domain``,
widening the token columns, adding a unique key on ``useridentifier``), under a server-side
lock so that processes starting together migrate once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import anyio

from .._backend import current_backend
from .._exceptions import InvalidArgumentError, TokenStoreError, UnsupportedBackendError
from .._logging import protect_driver_logger
from .._models import OAuthTokens
from ._base import LOCK_TIMEOUT, BaseTokenStore

if TYPE_CHECKING:
    from .._config import Config

__all__ = ["MySQLStore"]

_TABLE = "oauthtokens"
# Spelt out: nothing is ever interpolated into these; values are bound parameters.
_LOAD = (
    "SELECT useridentifier, accesstoken, refreshtoken, expirytime, api_domain "
    "FROM oauthtokens WHERE useridentifier = %s"
)
_UPSERT = (
    "INSERT INTO oauthtokens (useridentifier, accesstoken, refreshtoken, expirytime, api_domain) "
    "VALUES (%s, %s, %s, %s, %s) ON DUPLICATE KEY UPDATE accesstoken = VALUES(accesstoken), "
    "refreshtoken = VALUES(refreshtoken), expirytime = VALUES(expirytime), "
    "api_domain = VALUES(api_domain)"
)
_DELETE = "DELETE FROM oauthtokens WHERE useridentifier = %s"
# Sorted by the caller: the table's collation (often case-insensitive) is not code-point order.
_USERS = (
    "SELECT useridentifier FROM oauthtokens WHERE accesstoken IS NOT NULL "
    "AND refreshtoken IS NOT NULL AND expirytime IS NOT NULL"
)
_TOKEN_WIDTH = 255  # the classic varchar(100) holds today's tokens, with little room to spare
_USER_WIDTH = 255  # the classic varchar(100) is short: an e-mail address may have 254 characters
_UNIQUE_KEY = "zcrm_useridentifier"
_SEED_COLUMNS = ("useridentifier", "accesstoken", "refreshtoken", "expirytime")

# Server error codes (MySQL and MariaDB agree on these).
_ACCESS_DENIED = {1045, 1698}  # wrong user or password
_DB_ACCESS_DENIED = 1044
_PRIVILEGE_ERRORS = {_DB_ACCESS_DENIED, 1142, 1143, 1227}  # ... command denied to user
_UNKNOWN_DATABASE = 1049
_CANT_CONNECT = {2002, 2003, 2005}
# The connection died under us (server restart, KILL, idle timeout): retry on a fresh one.
_CONNECTION_LOST = {0, 1053, 1927, 2006, 2013, 2014, 2055, 4031}


def _quote(identifier: str) -> str:
    """A database name as a quoted identifier (identifiers cannot be bound parameters)."""
    return "`" + identifier.replace("`", "``") + "`"


def _asyncmy() -> Any:
    try:
        import asyncmy
    except ImportError as exc:
        raise TokenStoreError("MySQLStore needs asyncmy: pip install 'zcrm_async[mysql]'") from exc
    protect_driver_logger("asyncmy")  # its statement log would show the tokens
    return asyncmy


def _errno(exc: BaseException) -> int | None:
    args = getattr(exc, "args", ())
    return args[0] if args and isinstance(args[0], int) else None


def _table_ddl(database: str) -> str:
    return (
        f"CREATE TABLE IF NOT EXISTS {_quote(database)}.{_TABLE} (\n"
        f"  useridentifier varchar({_USER_WIDTH}) NOT NULL,\n"
        f"  accesstoken varchar({_TOKEN_WIDTH}),\n"
        f"  refreshtoken varchar({_TOKEN_WIDTH}),\n"
        "  expirytime bigint,\n"
        "  api_domain varchar(255),\n"
        "  PRIMARY KEY (useridentifier)\n"
        ") DEFAULT CHARSET=utf8mb4"
    )


class _SchemaPrivilegeError(Exception):
    def __init__(self, statements: list[str], cause: BaseException) -> None:
        self.statements = statements
        self.cause = cause


class MySQLStore(BaseTokenStore):
    """Tokens in MySQL/MariaDB: database ``zohooauth``, table ``oauthtokens`` (the classic one).

    ``refresh_lock`` is ``GET_LOCK`` on a name derived from the database and the user, held by
    a connection of its own, so processes and hosts sharing the database refresh one at a time.
    Needs the ``mysql`` extra (asyncmy) and asyncio.

    Every exchange with the server is bounded: ``connect_timeout`` to connect, ``query_timeout``
    per statement (plus ``lock_timeout`` for the lock wait). A server or network that stops
    answering (a half-open connection) is a :class:`TokenStoreError` naming host and port; the
    connections are dropped, and the next call opens new ones.

    Args:
        host: The server's host.
        port: The server's port.
        user: The database user.
        password: The user's password.
        database: The database holding the ``oauthtokens`` table.
        pool_size: The most pooled connections, at least 1.
        connect_timeout: Seconds to connect.
        lock_timeout: Seconds to wait for another process's refresh lock.
        pool_recycle: Seconds after which a pooled connection is replaced.
        query_timeout: Seconds per statement.

    Raises:
        InvalidArgumentError: ``pool_size`` below 1.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 3306,
        user: str = "root",
        password: str | None = None,
        database: str = "zohooauth",
        pool_size: int = 4,
        connect_timeout: float = 10.0,
        lock_timeout: float = LOCK_TIMEOUT,
        pool_recycle: int = 3600,
        query_timeout: float = 10.0,
    ) -> None:
        if pool_size < 1:
            raise InvalidArgumentError("pool_size must be at least 1")
        self.host = host
        self.port = port
        self.user = user
        self._password = password or ""
        self.database = database
        self.pool_size = pool_size
        self.connect_timeout = connect_timeout
        self.lock_timeout = lock_timeout
        self.pool_recycle = pool_recycle
        self.query_timeout = query_timeout
        self._pool: Any = None
        self._pool_loop: asyncio.AbstractEventLoop | None = None
        self._open_lock: anyio.Lock | None = None
        self._open_lock_loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def from_config(cls, config: Config) -> MySQLStore:
        """The store the ``db_*`` (or ``mysql_*``) keys describe; the user defaults to root.

        Args:
            config: The client's configuration.

        Returns:
            The store, not yet connected.
        """
        return cls(
            host=config.db_host,
            port=config.db_port,
            user=config.db_username or "root",
            password=config.db_password,
            database=config.db_name,
        )

    def __repr__(self) -> str:
        return (
            f"MySQLStore(host={self.host!r}, port={self.port}, user={self.user!r}, "
            f"database={self.database!r})"
        )

    # -- the TokenStore protocol --------------------------------------------------------------

    async def load(self, user_email: str) -> OAuthTokens | None:
        """The user's row, or None.

        Args:
            user_email: The user whose tokens to read.

        Returns:
            The user's tokens, or None if none are stored.

        Raises:
            TokenStoreError: MySQL cannot be reached, refuses the query, or does not answer in time.
        """
        rows = await self._execute(_LOAD, (user_email,))
        if not rows:
            return None
        user, access, refresh, expiry, api_domain = rows[0]
        if access is None or refresh is None or expiry is None:
            return None  # a half-written row of another tool: as good as no tokens
        return OAuthTokens(
            str(user), str(access), str(refresh), int(expiry), api_domain and str(api_domain)
        )

    async def save(self, tokens: OAuthTokens) -> None:
        """Upsert the user's row in one statement (shielded: a minted token is never lost).

        Args:
            tokens: The tokens to store, under ``tokens.user_email``.

        Raises:
            TokenStoreError: MySQL cannot be reached, refuses the query, or does not answer in time.
        """
        with anyio.CancelScope(shield=True):
            await self._execute(
                _UPSERT,
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
            TokenStoreError: MySQL cannot be reached, refuses the query, or does not answer in time.
        """
        await self._execute(_DELETE, (user_email,))

    async def user_emails(self) -> list[str]:
        """The users with a complete row.

        Returns:
            The e-mail addresses, sorted.

        Raises:
            TokenStoreError: MySQL cannot be reached, refuses the query, or does not answer in time.
        """
        rows = await self._execute(_USERS)
        return sorted(str(row[0]) for row in rows)  # code-point order, whatever the collation

    @asynccontextmanager
    async def refresh_lock(self, user_email: str) -> AsyncIterator[None]:
        """``GET_LOCK`` on a per-database, per-user name, on a dedicated connection.

        A connection of its own because MySQL locks belong to sessions (a session re-acquires
        its own lock) and because the body needs the pool for ``load``/``save``. If the holder
        dies, the server drops its session and the lock with it.

        Args:
            user_email: The user whose refresh the lock guards.

        Yields:
            Nothing; the lock is held while the ``async with`` block runs.

        Raises:
            TokenStoreError: The lock was not free within ``lock_timeout`` (another process holds
                it), or MySQL cannot be reached.
        """
        self._require_asyncio()
        await self._ensure_pool()  # schema first: its errors are clearer than the lock's
        name = self.lock_name(user_email)
        conn = await self._connect()
        try:
            with self._bounded("taking the refresh lock", self.lock_timeout + self.query_timeout):
                got = await self._query(conn, "SELECT GET_LOCK(%s, %s)", (name, self.lock_timeout))
        except BaseException as exc:
            conn.close()  # cancelled or failed mid-wait: ending the session drops any lock
            if isinstance(exc, TokenStoreError):
                raise
            if isinstance(exc, Exception):
                raise self._error(exc, "taking the refresh lock") from exc
            raise
        try:
            if not got or got[0][0] != 1:
                raise TokenStoreError(
                    f"timed out after {self.lock_timeout:.0f}s waiting for the refresh lock of "
                    f"{user_email!r} on MySQL {self._where()}; another process holds it"
                )
            yield
        finally:
            with anyio.CancelScope(shield=True):
                # Closing the session releases the lock too: a failed release is no loss.
                with contextlib.suppress(Exception), self._bounded("releasing the refresh lock"):
                    await self._query(conn, "SELECT RELEASE_LOCK(%s)", (name,))
                await self._close_connection(conn)

    async def aclose(self) -> None:
        """Close the pool's connections."""
        pool, self._pool = self._pool, None
        loop, self._pool_loop = self._pool_loop, None
        if pool is None:
            return
        pool.close()
        if current_backend() == "asyncio" and loop is asyncio.get_running_loop():
            await pool.wait_closed()

    def lock_name(self, user_email: str) -> str:
        """The ``GET_LOCK`` name for a user (names are server-wide and at most 64 chars).

        Args:
            user_email: The user.

        Returns:
            A name derived from the database and the user, the same in every process.
        """
        digest = hashlib.sha256(f"{self.database}\0{user_email}".encode()).hexdigest()
        return f"zcrm_async:{digest[:48]}"

    # -- internals ----------------------------------------------------------------------------

    def _require_asyncio(self) -> None:
        if current_backend() != "asyncio":
            raise UnsupportedBackendError(
                "MySQLStore runs on asyncmy, which supports asyncio only; under trio use "
                "FileStore (token_persistence_path), SQLiteStore (sqlite_path, the default), "
                "MemoryStore or a custom handler (persistence_handler_class), or run under asyncio"
            )

    def _where(self) -> str:
        return f"{self.host}:{self.port} (user {self.user!r}, database {self.database!r})"

    @contextlib.contextmanager
    def _bounded(self, doing: str, seconds: float | None = None) -> Iterator[None]:
        """At most ``seconds`` (default ``query_timeout``); past it, the pool is dropped."""
        limit = self.query_timeout if seconds is None else seconds
        try:
            with anyio.fail_after(limit):
                yield
        except TimeoutError:
            self._drop_pool()  # its connections may all be half-open: start afresh next call
            raise TokenStoreError(
                f"MySQL token store at {self._where()}: {doing}: no answer within {limit:g}s "
                "(the server or the network stopped answering); the connections were dropped "
                "and the next call opens new ones"
            ) from None

    def _drop_pool(self) -> None:
        pool, self._pool = self._pool, None
        self._pool_loop = None
        if pool is not None:
            pool.terminate()

    def _error(self, exc: BaseException, doing: str) -> TokenStoreError:
        code = _errno(exc)
        if code in _ACCESS_DENIED:
            hint = "; check db_username and db_password"
        elif code in _CANT_CONNECT:
            hint = "; is the server running, and are db_host and db_port right?"
        elif code in _PRIVILEGE_ERRORS:
            hint = f"; grant the user SELECT, INSERT, UPDATE, DELETE on {_quote(self.database)}.*"
        else:
            hint = ""
        return TokenStoreError(f"MySQL token store at {self._where()}: {doing} failed: {exc}{hint}")

    def _connect_args(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self._password,
            "charset": "utf8mb4",
            "autocommit": True,
            "connect_timeout": self.connect_timeout,
        }

    async def _connect(self, *, database: bool = True) -> Any:
        asyncmy = _asyncmy()

        args = self._connect_args()
        if database:
            args["database"] = self.database
        try:
            with self._bounded("connecting", self.connect_timeout + self.query_timeout):
                return await asyncmy.connect(**args)
        except (asyncmy.errors.Error, OSError) as exc:
            raise self._error(exc, "connecting") from exc

    @staticmethod
    async def _query(conn: Any, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        async with conn.cursor() as cursor:
            await cursor.execute(sql, tuple(params))
            rows: list[tuple[Any, ...]] = list(await cursor.fetchall() or ())
            return rows

    @staticmethod
    async def _close_connection(conn: Any) -> None:
        try:
            with anyio.fail_after(1):  # says goodbye to the server; a silent one is not waited
                await conn.ensure_closed()
        except Exception:
            conn.close()

    async def _execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement on a pooled connection; a dropped connection is retried once."""
        asyncmy = _asyncmy()

        self._require_asyncio()
        pool = await self._ensure_pool()
        for attempt in (1, 2):
            try:
                with self._bounded("connecting", self.connect_timeout + self.query_timeout):
                    conn = await pool.acquire()
            except (asyncmy.errors.Error, OSError) as exc:
                raise self._error(exc, "connecting") from exc
            try:
                with self._bounded("a query"):
                    return await self._query(conn, sql, params)
            except (asyncmy.errors.Error, OSError) as exc:
                conn.close()  # never hand a broken or mid-statement connection back
                if attempt == 1 and self._is_disconnect(exc):
                    continue
                raise self._error(exc, "a query") from exc
            except BaseException:
                conn.close()  # cancelled mid-statement: the protocol state is unknown
                raise
            finally:
                pool.release(conn)
        raise AssertionError("unreachable")

    @staticmethod
    def _is_disconnect(exc: BaseException) -> bool:
        asyncmy = _asyncmy()

        if isinstance(exc, OSError):
            return True
        return isinstance(exc, asyncmy.errors.InterfaceError) or _errno(exc) in _CONNECTION_LOST

    async def _ensure_pool(self) -> Any:
        self._require_asyncio()
        loop = asyncio.get_running_loop()
        if self._pool is not None and self._pool_loop is loop:
            return self._pool
        if self._open_lock is None or self._open_lock_loop is not loop:
            self._open_lock, self._open_lock_loop = anyio.Lock(), loop
        async with self._open_lock:
            if self._pool is not None and self._pool_loop is loop:
                return self._pool
            if self._pool is not None:  # made under another event loop: unusable here
                self._pool.close()
                self._pool = None
            asyncmy = _asyncmy()

            with self._bounded("preparing the token table", self.lock_timeout + self.query_timeout):
                await self._prepare_schema()
            args = self._connect_args()
            try:
                with self._bounded("connecting", self.connect_timeout + self.query_timeout):
                    pool = await asyncmy.create_pool(
                        minsize=1,
                        maxsize=self.pool_size,
                        pool_recycle=self.pool_recycle,
                        database=self.database,
                        **args,
                    )
            except (asyncmy.errors.Error, OSError) as exc:
                raise self._error(exc, "connecting") from exc
            self._pool, self._pool_loop = pool, loop
            return pool

    async def _prepare_schema(self) -> None:
        """Create the database and table if missing, or adopt the classic SDKs' table."""
        asyncmy = _asyncmy()

        conn = await self._connect(database=False)
        try:
            name = f"zcrm_async:schema:{hashlib.sha256(self.database.encode()).hexdigest()[:40]}"
            await self._query(conn, "SELECT GET_LOCK(%s, %s)", (name, self.lock_timeout))
            try:
                await self._migrate(conn)
            finally:
                with contextlib.suppress(Exception):  # closing the connection releases it too
                    await self._query(conn, "SELECT RELEASE_LOCK(%s)", (name,))
        except _SchemaPrivilegeError as exc:
            ddl = ";\n".join(exc.statements) + ";"
            raise TokenStoreError(
                f"MySQL token store at {self._where()}: the token table needs setting up and "
                f"the user may not do it ({exc.cause}). The user also needs SELECT, INSERT, "
                f"UPDATE, DELETE on {_quote(self.database)}.*. Ask an administrator to run:"
                f"\n\n{ddl}\n"
            ) from exc.cause
        except (asyncmy.errors.Error, OSError) as exc:
            raise self._error(exc, "preparing the token table") from exc
        finally:
            await self._close_connection(conn)

    async def _migrate(self, conn: Any) -> None:
        db = self.database
        exists = await self._query(
            conn, "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", (db,)
        )
        if not exists:
            create_db = f"CREATE DATABASE IF NOT EXISTS {_quote(db)} DEFAULT CHARSET=utf8mb4"
            await self._ddl(conn, [create_db, _table_ddl(db)])
            return
        columns = {
            str(row[0]).lower(): row
            for row in await self._query(
                conn,
                "SELECT COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, IS_NULLABLE "
                "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s",
                (db, _TABLE),
            )
        }
        if not columns:
            await self._ddl(conn, [_table_ddl(db)])
            return
        missing = [column for column in _SEED_COLUMNS if column not in columns]
        if missing:
            raise TokenStoreError(
                f"MySQL token store at {self._where()}: table {_TABLE} exists but lacks the "
                f"column(s) {', '.join(missing)}; it is not the Zoho SDKs' token table"
            )
        changes = []
        if "api_domain" not in columns:
            changes.append("ADD COLUMN api_domain varchar(255) NULL")
        widths = {"useridentifier": _USER_WIDTH, "accesstoken": _TOKEN_WIDTH}
        for column in ("useridentifier", "accesstoken", "refreshtoken"):
            wanted = widths.get(column, _TOKEN_WIDTH)
            _, kind, width, nullable = columns[column]
            if str(kind).lower() in {"varchar", "char"} and int(width or 0) < wanted:
                null = "NULL" if str(nullable).upper() == "YES" else "NOT NULL"
                changes.append(f"MODIFY {column} varchar({wanted}) {null}")
        if not await self._has_unique_user_key(conn):
            await self._check_no_duplicates(conn)
            changes.append(f"ADD UNIQUE KEY {_UNIQUE_KEY} (useridentifier)")
        if changes:
            await self._ddl(conn, [f"ALTER TABLE {_quote(db)}.{_TABLE} " + ", ".join(changes)])

    async def _has_unique_user_key(self, conn: Any) -> bool:
        indexes: dict[str, list[str]] = {}
        for index, column in await self._query(
            conn,
            "SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS "
            "WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s AND NON_UNIQUE = 0 "
            "ORDER BY INDEX_NAME, SEQ_IN_INDEX",
            (self.database, _TABLE),
        ):
            indexes.setdefault(str(index), []).append(str(column).lower())
        return ["useridentifier"] in indexes.values()

    async def _check_no_duplicates(self, conn: Any) -> None:
        table = f"{_quote(self.database)}.{_TABLE}"
        rows = await self._query(
            conn,
            f"SELECT useridentifier, COUNT(*) FROM {table} "  # noqa: S608 - a quoted identifier
            "GROUP BY useridentifier HAVING COUNT(*) > 1",
        )
        if rows:
            users = ", ".join(repr(row[0]) for row in rows[:5])
            raise TokenStoreError(
                f"MySQL token store at {self._where()}: table {_TABLE} holds several rows for "
                f"{len(rows)} user(s) ({users}); zcrm_async needs one row per user to update "
                "tokens in one statement. Keep the newest row of each user, e.g.\n\n"
                f"DELETE a FROM {table} a JOIN {table} b ON a.useridentifier = b.useridentifier "
                "AND a.expirytime < b.expirytime;\n\n"
                "then check that no duplicates remain and try again (nothing was changed)"
            )

    async def _ddl(self, conn: Any, statements: list[str]) -> None:
        asyncmy = _asyncmy()

        for done, statement in enumerate(statements):
            try:
                await self._query(conn, statement)
            except asyncmy.errors.Error as exc:
                if _errno(exc) in _PRIVILEGE_ERRORS or _errno(exc) == _UNKNOWN_DATABASE:
                    raise _SchemaPrivilegeError(statements[done:], exc) from exc
                raise

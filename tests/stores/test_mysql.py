"""MySQLStore against a real MariaDB/MySQL server (``ZCRM_TEST_MYSQL_URL``; see mysql_support)."""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator, Awaitable, Iterator, Sequence
from typing import Any

import anyio
import attrs
import httpx
import pytest

import zcrm_async as zc
from tests._tcp_proxy import TcpProxy
from tests.stores.mysql_support import (
    RUN_TAG,
    fresh_database_name,
    make_mysql_store,
    mysql_url,
    run_sql,
    server_args,
)
from zcrm_async.stores.mysql import MySQLStore
from zcrm_async.testing import FakeZohoCRM

# asyncmy is asyncio-only (trio is checked by test_trio_is_refused_clearly).
pytestmark = [pytest.mark.mysql, pytest.mark.backends("asyncio")]

SEED_TABLE = (
    "CREATE TABLE oauthtokens(useridentifier varchar(100), accesstoken varchar(100), "
    "refreshtoken varchar(100), expirytime bigint)"
)


@pytest.fixture
def server() -> dict[str, Any]:
    """The test server's connection arguments (skipped without one: failed in CI)."""
    if mysql_url() is None:
        pytest.skip("set ZCRM_TEST_MYSQL_URL (e.g. mysql://root:@127.0.0.1:3306/zcrm_test)")
    return server_args()


@pytest.fixture
async def store(server: dict[str, Any]) -> AsyncIterator[MySQLStore]:
    created = make_mysql_store()
    try:
        yield created
    finally:
        await created.aclose()


def tokens(user: str = "ada@example.com", access: str = "1000.aaaa.bbbb") -> zc.OAuthTokens:
    return zc.OAuthTokens(
        user_email=user,
        access_token=access,
        refresh_token="1000.refresh.token",
        expiry_time=4_102_444_800_000,  # 2100-01-01: fixed, so two calls compare equal
        api_domain="https://www.zohoapis.eu",
    )


async def columns(database: str) -> dict[str, tuple[str, int | None]]:
    rows = await run_sql(
        [
            "SELECT COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH "
            "FROM information_schema.COLUMNS "
            f"WHERE TABLE_SCHEMA = '{database}' AND TABLE_NAME = 'oauthtokens'"
        ]
    )
    return {str(name): (str(kind), length) for name, kind, length in rows}


async def unique_keys(database: str) -> set[tuple[str, str]]:
    rows = await run_sql(
        [
            "SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS "
            f"WHERE TABLE_SCHEMA = '{database}' AND TABLE_NAME = 'oauthtokens' AND NON_UNIQUE = 0"
        ]
    )
    return {(str(index), str(column)) for index, column in rows}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# -- schema ----------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_first_use_creates_database_and_seed_table_with_api_domain(
    store: MySQLStore,
) -> None:
    assert await store.load("ada@example.com") is None
    cols = await columns(store.database)
    assert set(cols) == {
        "useridentifier",
        "accesstoken",
        "refreshtoken",
        "expirytime",
        "api_domain",
    }
    assert cols["useridentifier"] == ("varchar", 255)  # e-mail addresses reach 254
    assert cols["accesstoken"] == ("varchar", 255) and cols["refreshtoken"] == ("varchar", 255)
    assert cols["expirytime"][0] == "bigint"
    assert ("PRIMARY", "useridentifier") in await unique_keys(store.database)


@pytest.mark.anyio
async def test_classic_sdk_table_is_adopted_and_keeps_working_for_classic_readers(
    server: dict[str, Any],
) -> None:
    database = fresh_database_name()
    await run_sql([f"CREATE DATABASE `{database}`"])
    await run_sql(
        [
            SEED_TABLE,
            # What the classic SDKs write: no api_domain, a 70-character access token.
            "INSERT INTO oauthtokens VALUES ('ada@example.com', "
            f"'1000.{'a' * 32}.{'b' * 32}', '1000.classic.refresh', 4102444800000)",
            "INSERT INTO oauthtokens VALUES ('bob@example.com', '1000.b.b', '1000.b.r', 1)",
        ],
        database=database,
    )
    store = MySQLStore(**{**server, "database": database})
    try:
        loaded = await store.load("ada@example.com")
        assert loaded == zc.OAuthTokens(
            "ada@example.com", f"1000.{'a' * 32}.{'b' * 32}", "1000.classic.refresh", 4102444800000
        )
        cols = await columns(database)
        assert "api_domain" in cols and cols["accesstoken"] == ("varchar", 255)
        assert cols["useridentifier"] == ("varchar", 255)
        assert ("zcrm_useridentifier", "useridentifier") in await unique_keys(database)

        long_token = "1000." + "x" * 200  # wider than the seed's varchar(100)
        await store.save(tokens("ada@example.com", long_token))
        rows = await run_sql(
            [
                # The classic SDKs' own query still reads the row.
                "SELECT useridentifier, accesstoken, refreshtoken, expirytime FROM oauthtokens "
                "WHERE useridentifier = 'ada@example.com'"
            ],
            database=database,
        )
        assert len(rows) == 1 and rows[0][1] == long_token
        bob = await store.load("bob@example.com")
        assert bob is not None and bob.expiry_time == 1 and bob.api_domain is None
        longest = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 57 + ".com"
        await store.save(tokens(longest))
        rows = await run_sql(
            ["SELECT useridentifier FROM oauthtokens WHERE LENGTH(useridentifier) > 100"],
            database=database,
        )
        assert rows == [(longest,)] and len(longest) == 254
    finally:
        await store.aclose()


@pytest.mark.anyio
async def test_classic_table_with_duplicate_rows_is_reported_and_left_untouched(
    server: dict[str, Any],
) -> None:
    database = fresh_database_name()
    await run_sql([f"CREATE DATABASE `{database}`"])
    await run_sql(
        [
            SEED_TABLE,
            "INSERT INTO oauthtokens VALUES ('ada@example.com', '1000.old', '1000.r', 1)",
            "INSERT INTO oauthtokens VALUES ('ada@example.com', '1000.new', '1000.r', 2)",
        ],
        database=database,
    )
    store = MySQLStore(**{**server, "database": database})
    try:
        with pytest.raises(zc.TokenStoreError) as caught:
            await store.load("ada@example.com")
    finally:
        await store.aclose()
    message = str(caught.value)
    assert "several rows" in message and "'ada@example.com'" in message
    assert "DELETE a FROM" in message
    assert "api_domain" not in await columns(database)  # nothing was changed
    # The suggested statement fixes the table, after which the store adopts it.
    fix = message.split("\n\n")[1].rstrip(";")
    await run_sql([fix], database=database)
    store = MySQLStore(**{**server, "database": database})
    try:
        loaded = await store.load("ada@example.com")
        assert loaded is not None and loaded.access_token == "1000.new"
    finally:
        await store.aclose()


@pytest.mark.anyio
async def test_user_without_ddl_privilege_gets_the_ddl_to_run_and_it_works(
    server: dict[str, Any],
) -> None:
    database = fresh_database_name()
    user = f"zcrm_lp_{RUN_TAG}"[:32]
    password = "lp-Secret-9f2"
    # Every host form: an anonymous ''@'localhost' (fresh installs have one) beats '%'.
    accounts = [f"'{user}'@'{host}'" for host in ("%", "localhost", "127.0.0.1")]
    await run_sql(
        [f"CREATE USER {account} IDENTIFIED BY '{password}'" for account in accounts]
        + [f"GRANT SELECT, INSERT, UPDATE, DELETE ON `{database}`.* TO {a}" for a in accounts]
    )
    args = {**server, "database": database, "user": user, "password": password}
    try:
        store = MySQLStore(**args)
        with pytest.raises(zc.TokenStoreError) as caught:
            await store.save(tokens())
        await store.aclose()
        message = str(caught.value)
        assert user in message and password not in message
        assert "CREATE DATABASE" in message and "CREATE TABLE" in message
        ddl = message.split("run:\n\n", 1)[1].strip()
        await run_sql([s for s in ddl.split(";") if s.strip()])  # the administrator runs it

        store = MySQLStore(**args)
        try:
            await store.save(tokens())
            assert await store.load("ada@example.com") == tokens()
        finally:
            await store.aclose()
    finally:
        await run_sql([f"DROP USER IF EXISTS {account}" for account in accounts])


@pytest.mark.anyio
async def test_hostile_user_id_is_stored_verbatim_and_the_table_survives(
    store: MySQLStore,
) -> None:
    hostile = "o'hara\"; DROP TABLE oauthtokens; --@example.com"
    await store.save(tokens(hostile, "1000.evil.evil"))
    await store.save(tokens("x' OR '1'='1"))
    await store.delete("x' OR '1'='1")
    rows = await run_sql(
        ["SELECT useridentifier, accesstoken FROM oauthtokens"], database=store.database
    )
    assert rows == [(hostile, "1000.evil.evil")]


# -- failures --------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("user", ["root", "zcrm_no_such_user"])
async def test_wrong_credentials_name_host_port_user_but_not_the_password(
    user: str, server: dict[str, Any]
) -> None:
    args = server
    store = MySQLStore(**{**args, "user": user, "password": "Wr0ng-Passw0rd-xyz"})
    with pytest.raises(zc.TokenStoreError) as caught:
        await store.load("ada@example.com")
    await store.aclose()
    message = str(caught.value)
    assert f"{args['host']}:{args['port']}" in message
    assert repr(user) in message and "Access denied" in message
    assert "Wr0ng-Passw0rd-xyz" not in message
    assert "Wr0ng" not in repr(store)


@pytest.mark.anyio
async def test_unreachable_server_is_a_clear_error_naming_host_port_user() -> None:
    port = free_port()
    store = MySQLStore(host="127.0.0.1", port=port, user="someone", password="Pw-hidden-1")
    with anyio.fail_after(10):
        with pytest.raises(zc.TokenStoreError) as caught:
            await store.save(tokens())
    message = str(caught.value)
    assert f"127.0.0.1:{port}" in message and "'someone'" in message
    assert "Pw-hidden-1" not in message
    assert "is the server running" in message


@pytest.mark.anyio
async def test_connections_killed_server_side_are_recovered_on_the_next_call(
    store: MySQLStore,
) -> None:
    await store.save(tokens())
    processlist = (
        "SELECT ID FROM information_schema.PROCESSLIST "
        f"WHERE DB = '{store.database}' AND ID <> CONNECTION_ID()"
    )
    before = {row[0] for row in await run_sql([processlist])}
    assert before  # the pool's connection
    await run_sql([f"KILL CONNECTION {ident}" for ident in before])

    assert await store.load("ada@example.com") == tokens()
    await store.save(tokens(access="1000.after.kill"))
    loaded = await store.load("ada@example.com")
    assert loaded is not None and loaded.access_token == "1000.after.kill"
    after = {row[0] for row in await run_sql([processlist])}
    assert after and not (after & before)


@pytest.mark.anyio
async def test_connection_killed_between_checkout_and_query_is_retried_once(
    store: MySQLStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store.save(tokens())
    query = MySQLStore._query
    calls: list[int] = []

    async def kill_first(conn: Any, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        calls.append(conn.thread_id())
        if len(calls) == 1:  # the pool handed out a healthy connection: kill it now
            await run_sql([f"KILL CONNECTION {conn.thread_id()}"])
            await anyio.sleep(0.05)
        return await query(conn, sql, params)

    monkeypatch.setattr(store, "_query", kill_first)
    assert await store.load("ada@example.com") == tokens()
    assert len(calls) == 2 and calls[0] != calls[1]  # one retry, on another connection


@pytest.mark.anyio
async def test_killed_lock_holder_frees_the_lock_for_others(
    store: MySQLStore, server: dict[str, Any]
) -> None:
    other = MySQLStore(**{**server, "database": store.database, "lock_timeout": 5})
    try:
        async with store.refresh_lock("ada@example.com"):
            holders = await run_sql(
                [f"SELECT IS_USED_LOCK('{store.lock_name('ada@example.com')}')"]
            )
            await run_sql([f"KILL CONNECTION {holders[0][0]}"])
            with anyio.fail_after(5):
                async with other.refresh_lock("ada@example.com"):
                    pass
    finally:
        await other.aclose()


# -- the refresh lock ------------------------------------------------------------------------


@pytest.mark.anyio
async def test_refresh_lock_excludes_another_pool_and_times_out_clearly(
    store: MySQLStore, server: dict[str, Any]
) -> None:
    # A second store instance has its own pool: as another process or host would.
    other = MySQLStore(**{**server, "database": store.database, "lock_timeout": 0.3})
    try:
        async with store.refresh_lock("ada@example.com"):
            with pytest.raises(zc.TokenStoreError, match=r"timed out .* refresh lock"):
                async with other.refresh_lock("ada@example.com"):
                    pytest.fail("two holders of one user's refresh lock")
            async with other.refresh_lock("bob@example.com"):  # other users are not blocked
                pass
        async with other.refresh_lock("ada@example.com"):
            pass
    finally:
        await other.aclose()


def test_lock_names_fit_mysql_and_separate_users_and_databases() -> None:
    one = MySQLStore(database="zohooauth")
    two = MySQLStore(database="other")
    long_user = "a" * 200 + "@example.com"
    names = {
        one.lock_name("ada@example.com"),
        one.lock_name("bob@example.com"),
        two.lock_name("ada@example.com"),
        one.lock_name(long_user),
    }
    assert len(names) == 4 and all(len(name) <= 64 for name in names)


# -- config and backends ---------------------------------------------------------------------


def test_from_config_reads_db_keys_and_mysql_aliases_and_hides_the_password() -> None:
    config = zc.Config.from_dict(
        {
            "client_id": "1000.X",
            "client_secret": "s",
            "redirect_uri": "http://localhost/cb",
            "mysql_username": "crm",
            "mysql_password": "Db-Pass-Word",
            "mysql_port": "3307",
            "db_host": "db.internal",
        }
    )
    store = zc.stores.build_store(config)
    assert isinstance(store, MySQLStore)
    assert (store.host, store.port, store.user, store.database) == (
        "db.internal",
        3307,
        "crm",
        "zohooauth",
    )
    assert "Db-Pass-Word" not in repr(store) and "Db-Pass-Word" not in str(store)


def test_trio_is_refused_clearly() -> None:
    store = MySQLStore()  # refused before any connection: no server needed

    async def use() -> list[str]:
        messages = []
        calls: list[Awaitable[object]] = [
            store.load("ada@example.com"),
            store.save(tokens()),
            store.delete("ada@example.com"),
        ]
        for call in calls:
            with pytest.raises(zc.UnsupportedBackendError) as caught:
                await call
            messages.append(str(caught.value))
        with pytest.raises(zc.UnsupportedBackendError):
            async with store.refresh_lock("ada@example.com"):
                pass
        await store.aclose()  # nothing was opened: nothing to refuse
        return messages

    messages = anyio.run(use, backend="trio")
    assert len(messages) == 3
    for message in messages:
        assert "asyncio only" in message
        assert all(kind in message for kind in ("FileStore", "SQLiteStore", "MemoryStore"))
        assert "custom handler" in message


# -- a server that stops answering (a half-open connection, made by a TCP proxy) --------------


@pytest.fixture
def proxy(server: dict[str, Any]) -> Iterator[TcpProxy]:
    with TcpProxy(server["host"], server["port"]) as running:
        yield running


def proxied_store(server: dict[str, Any], proxy: TcpProxy, **overrides: Any) -> MySQLStore:
    args = {**server, "host": "127.0.0.1", "port": proxy.port, "database": fresh_database_name()}
    return MySQLStore(**{**args, "query_timeout": 1.5, **overrides})


@pytest.mark.anyio
async def test_a_server_that_stops_answering_is_a_bounded_clear_error_then_recovers(
    server: dict[str, Any], proxy: TcpProxy
) -> None:
    store = proxied_store(server, proxy)
    try:
        await store.save(tokens())
        proxy.mode = "silent"
        started = time.monotonic()
        with anyio.fail_after(10):  # hung forever before
            with pytest.raises(zc.TokenStoreError) as caught:
                await store.load("ada@example.com")
        assert time.monotonic() - started < 1.5 + 2
        message = str(caught.value)
        assert f"127.0.0.1:{proxy.port}" in message and "no answer within 1.5s" in message

        proxy.resume()  # the network is back; the half-open connections are gone
        with anyio.fail_after(10):
            assert await store.load("ada@example.com") == tokens()
    finally:
        await store.aclose()


class GoSilentOnTokenRequest(httpx.AsyncBaseTransport):
    """The fake in-process; the database proxy goes silent as the token request is made."""

    def __init__(self, fake: FakeZohoCRM, proxy: TcpProxy) -> None:
        self.inner = fake.transport()
        self.proxy = proxy

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/v2/token":
            self.proxy.mode = "silent"  # the save that follows the mint will hang
        return await self.inner.handle_async_request(request)


@pytest.mark.anyio
async def test_a_save_that_hangs_during_a_refresh_is_bounded_and_the_token_kept(
    server: dict[str, Any], proxy: TcpProxy
) -> None:
    fake = FakeZohoCRM()
    store = proxied_store(server, proxy)
    issued = zc.OAuthTokens.from_token_response(fake.issue_tokens(), user_email=fake.user_email)
    await store.save(attrs.evolve(issued, expiry_time=int(time.time() * 1000) - 1000))
    transport = GoSilentOnTokenRequest(fake, proxy)
    try:
        async with zc.ZohoCRM(fake.config(), store=store, transport=transport) as crm:
            started = time.monotonic()
            with anyio.fail_after(5):  # neither fail_after(5) nor wait_for(20) returned before
                with pytest.raises(zc.TokenStoreError, match=f"127.0.0.1:{proxy.port}"):
                    await crm.org.get()
            assert time.monotonic() - started < 2 * 1.5 + 2  # the save, then the lock release
            assert fake.stats.token_mints == 1

            proxy.resume()
            assert (await crm.org.get()).zgid  # the minted token, kept in memory: no new mint
            assert fake.stats.token_mints == 1
            with anyio.fail_after(5):  # the lock was freed
                async with store.refresh_lock(fake.user_email):
                    pass
    finally:
        await store.aclose()

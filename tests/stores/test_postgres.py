"""PostgresStore against a real PostgreSQL server (``ZCRM_TEST_POSTGRES_URL``; see server_support).

Most tests run under asyncio and trio (the store runs on both).
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import anyio
import pytest

import zcrm_async as zc
from tests.stores.server_support import (
    RUN_TAG,
    fresh_database_url,
    postgres_database_url,
    postgres_url,
    run_postgres,
)
from zcrm_async.stores.postgres import PostgresStore

pytestmark = [pytest.mark.postgres, pytest.mark.anyio]

SEED_TABLE = (
    "CREATE TABLE oauthtokens(useridentifier varchar(100), accesstoken varchar(100), "
    "refreshtoken varchar(100), expirytime bigint)"
)


@pytest.fixture
async def store() -> AsyncIterator[PostgresStore]:
    created = PostgresStore(fresh_database_url())
    try:
        yield created
    finally:
        await created.aclose()


def tokens(user: str = "ada@example.com", access: str = "1000.aaaa.bbbb") -> zc.OAuthTokens:
    return zc.OAuthTokens(
        user_email=user,
        access_token=access,
        refresh_token="1000.refresh.token",
        expiry_time=4_102_444_800_000,
        api_domain="https://www.zohoapis.eu",
    )


def empty_database() -> str:
    """A database made here, holding nothing yet; its name."""
    name = urlsplit(fresh_database_url()).path.lstrip("/")
    run_postgres([f'CREATE DATABASE "{name}"'])
    return name


def columns(database: str) -> dict[str, tuple[str, int | None]]:
    rows = run_postgres(
        [
            "SELECT column_name, data_type, character_maximum_length FROM "
            "information_schema.columns WHERE table_name = 'oauthtokens'"
        ],
        database=database,
    )
    return {str(name): (str(kind), length) for name, kind, length in rows}  # type: ignore[misc]


def unique_columns(database: str) -> list[list[str]]:
    rows = run_postgres(
        [
            "SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_index i JOIN pg_attribute "
            "a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = "
            "'oauthtokens'::regclass AND i.indisunique GROUP BY i.indexrelid"
        ],
        database=database,
    )
    return [list(row[0]) for row in rows]  # type: ignore[call-overload]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# -- schema ----------------------------------------------------------------------------------


async def test_first_use_creates_database_and_classic_table_with_api_domain(
    store: PostgresStore,
) -> None:
    assert await store.load("ada@example.com") is None
    assert columns(store.database) == {
        "useridentifier": ("character varying", 100),
        "accesstoken": ("character varying", 255),
        "refreshtoken": ("character varying", 255),
        "expirytime": ("bigint", None),
        "api_domain": ("character varying", 255),
    }
    assert unique_columns(store.database) == [["useridentifier"]]


async def test_classic_shaped_table_is_adopted_and_keeps_working_for_classic_readers() -> None:
    database = empty_database()
    run_postgres(
        [
            SEED_TABLE,
            "INSERT INTO oauthtokens VALUES ('ada@example.com', "
            f"'1000.{'a' * 32}.{'b' * 32}', '1000.classic.refresh', 4102444800000)",
            "INSERT INTO oauthtokens VALUES ('bob@example.com', '1000.b.b', '1000.b.r', 1)",
        ],
        database=database,
    )
    store = PostgresStore(postgres_database_url(database))
    try:
        loaded = await store.load("ada@example.com")
        assert loaded == zc.OAuthTokens(
            "ada@example.com", f"1000.{'a' * 32}.{'b' * 32}", "1000.classic.refresh", 4102444800000
        )
        cols = columns(database)
        assert "api_domain" in cols and cols["accesstoken"] == ("character varying", 255)
        assert ["useridentifier"] in unique_columns(database)

        long_token = "1000." + "x" * 200  # wider than the classic varchar(100)
        await store.save(tokens("ada@example.com", long_token))
        rows = run_postgres(
            [
                "SELECT useridentifier, accesstoken, refreshtoken, expirytime FROM oauthtokens "
                "WHERE useridentifier = 'ada@example.com'"
            ],
            database=database,
        )
        assert len(rows) == 1 and rows[0][1] == long_token
        bob = await store.load("bob@example.com")
        assert bob is not None and bob.expiry_time == 1 and bob.api_domain is None
    finally:
        await store.aclose()


async def test_a_table_of_another_shape_is_refused_untouched() -> None:
    database = empty_database()
    run_postgres(["CREATE TABLE oauthtokens (id serial, token text)"], database=database)
    store = PostgresStore(postgres_database_url(database))
    try:
        with pytest.raises(zc.TokenStoreError, match=r"lacks the column\(s\) useridentifier"):
            await store.load("ada@example.com")
    finally:
        await store.aclose()
    assert set(columns(database)) == {"id", "token"}


async def test_classic_table_with_duplicate_rows_is_reported_and_left_untouched() -> None:
    database = empty_database()
    run_postgres(
        [
            SEED_TABLE,
            "INSERT INTO oauthtokens VALUES ('ada@example.com', '1000.old', '1000.r', 1)",
            "INSERT INTO oauthtokens VALUES ('ada@example.com', '1000.new', '1000.r', 2)",
        ],
        database=database,
    )
    store = PostgresStore(postgres_database_url(database))
    try:
        with pytest.raises(zc.TokenStoreError) as caught:
            await store.load("ada@example.com")
    finally:
        await store.aclose()
    message = str(caught.value)
    assert "several rows" in message and "'ada@example.com'" in message
    assert "api_domain" not in columns(database)  # nothing was changed
    fix = message.split("\n\n")[1].rstrip(";")  # the suggested statement fixes the table
    run_postgres([fix], database=database)
    store = PostgresStore(postgres_database_url(database))
    try:
        loaded = await store.load("ada@example.com")
        assert loaded is not None and loaded.access_token == "1000.new"
    finally:
        await store.aclose()


@pytest.mark.parametrize("database_exists", [True, False], ids=["no-table", "no-database"])
async def test_user_without_ddl_privilege_gets_the_statements_to_run_and_they_work(
    database_exists: bool,
) -> None:
    database = urlsplit(fresh_database_url()).path.lstrip("/")
    user = f"zcrm_lp_{RUN_TAG}"[:63]
    password = "lp-Secret-9f2"
    run_postgres([f"CREATE ROLE \"{user}\" LOGIN PASSWORD '{password}'"])
    if database_exists:  # PostgreSQL 15+: nobody but the owner may create tables in public
        run_postgres([f'CREATE DATABASE "{database}"'])
        run_postgres(["REVOKE CREATE ON SCHEMA public FROM PUBLIC"], database=database)
    parts = urlsplit(postgres_url())
    url = f"postgresql://{user}:{password}@{parts.hostname}:{parts.port or 5432}/{database}"
    try:
        store = PostgresStore(url)
        with pytest.raises(zc.TokenStoreError) as caught:
            await store.save(tokens())
        await store.aclose()
        message = str(caught.value)
        assert repr(user) in message and password not in message
        assert "CREATE TABLE" in message and "GRANT SELECT, INSERT, UPDATE, DELETE" in message
        assert ("CREATE DATABASE" in message) is not database_exists
        # The administrator runs each block where it says, as a superuser.
        for block in message.split("Ask an administrator to run, ", 1)[1].split("\n\nthen, "):
            place, statements = block.split(":\n\n", 1)
            target = database if "connected to database" in place else "postgres"
            run_postgres([s for s in statements.split(";\n") if s.strip(" ;\n")], database=target)

        store = PostgresStore(url)
        try:
            await store.save(tokens())
            assert await store.load("ada@example.com") == tokens()
        finally:
            await store.aclose()
    finally:
        run_postgres([f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)', f'DROP ROLE "{user}"'])


async def test_hostile_user_id_is_stored_verbatim_and_the_table_survives(
    store: PostgresStore,
) -> None:
    hostile = "o'hara\"; DROP TABLE oauthtokens; --@example.com"
    await store.save(tokens(hostile, "1000.evil.evil"))
    await store.save(tokens("x' OR '1'='1"))
    await store.delete("x' OR '1'='1")
    rows = run_postgres(
        ["SELECT useridentifier, accesstoken FROM oauthtokens"], database=store.database
    )
    assert rows == [(hostile, "1000.evil.evil")]


# -- failures --------------------------------------------------------------------------------


async def test_unknown_user_names_host_port_user_but_not_the_password() -> None:
    parts = urlsplit(postgres_url())
    where = f"{parts.hostname}:{parts.port or 5432}"
    store = PostgresStore(f"postgresql://zcrm_no_such_user:Wr0ng-Passw0rd-xyz@{where}/zohooauth")
    with pytest.raises(zc.TokenStoreError) as caught:
        await store.load("ada@example.com")
    await store.aclose()
    message = str(caught.value)
    assert where in message and "'zcrm_no_such_user'" in message
    assert "check the user name and password" in message
    assert "Wr0ng-Passw0rd-xyz" not in message and "Wr0ng" not in repr(store)


async def test_unreachable_server_is_a_clear_error_naming_host_port_user() -> None:
    port = free_port()
    store = PostgresStore(f"postgresql://someone:Pw-hidden-1@127.0.0.1:{port}/db")
    with anyio.fail_after(15):
        with pytest.raises(zc.TokenStoreError) as caught:
            await store.save(tokens())
    message = str(caught.value)
    assert f"127.0.0.1:{port}" in message and "'someone'" in message
    assert "Pw-hidden-1" not in message
    assert "is the server running" in message


async def test_a_connection_killed_server_side_is_replaced_on_the_next_call(
    store: PostgresStore,
) -> None:
    await store.save(tokens())
    others = (
        f"SELECT pid FROM pg_stat_activity WHERE datname = '{store.database}' "
        "AND pid <> pg_backend_pid() AND application_name = 'zcrm_async'"
    )
    before = {row[0] for row in run_postgres([others])}
    assert len(before) == 1  # the store's shared session
    run_postgres([f"SELECT pg_terminate_backend({pid})" for pid in before])

    assert await store.load("ada@example.com") == tokens()
    after = {row[0] for row in run_postgres([others])}
    assert after and not (after & before)


async def test_every_statement_is_bounded_by_the_timeout() -> None:
    store = PostgresStore(fresh_database_url(), timeout=0.5)
    try:
        started = anyio.current_time()
        with pytest.raises(zc.TokenStoreError, match="statement timeout"):
            await store._execute("SELECT pg_sleep(5)", (), "a slow statement")
        assert anyio.current_time() - started < 3
        await store.save(tokens())  # the store goes on working
        assert await store.load("ada@example.com") == tokens()
    finally:
        await store.aclose()


# -- listing users (the contract cases are in test_conformance) ------------------------------


async def test_only_complete_rows_are_listed(store: PostgresStore) -> None:
    await store.save(tokens("ada@example.com"))
    run_postgres(
        [
            "INSERT INTO oauthtokens (useridentifier, accesstoken, refreshtoken, expirytime) "
            "VALUES ('half@example.com', '1000.a.b', NULL, 1)"
        ],
        database=store.database,
    )
    assert await store.user_emails() == ["ada@example.com"]
    assert await store.load("half@example.com") is None  # as load sees it


async def test_a_failed_listing_says_what_failed(store: PostgresStore) -> None:
    await store.save(tokens("ada@example.com"))
    run_postgres(
        ["ALTER TABLE oauthtokens RENAME COLUMN accesstoken TO renamed"], database=store.database
    )
    with pytest.raises(zc.TokenStoreError, match=r"listing users failed: .*accesstoken"):
        await store.user_emails()


# -- the refresh lock ------------------------------------------------------------------------


async def test_refresh_lock_excludes_another_store_and_times_out_clearly(
    store: PostgresStore,
) -> None:
    # A second store instance has its own sessions: as another process or host would.
    other = PostgresStore(store.url, lock_timeout=0.3)
    try:
        async with store.refresh_lock("ada@example.com"):
            with pytest.raises(zc.TokenStoreError, match=r"timed out after 0.3s .* refresh lock"):
                async with other.refresh_lock("ada@example.com"):
                    pytest.fail("two holders of one user's refresh lock")
            async with other.refresh_lock("bob@example.com"):  # other users are not blocked
                pass
        async with other.refresh_lock("ada@example.com"):
            pass
    finally:
        await other.aclose()


async def test_the_lock_dies_with_its_holders_session(store: PostgresStore) -> None:
    other = PostgresStore(store.url, lock_timeout=5)
    holders = (
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
        f"AND database = (SELECT oid FROM pg_database WHERE datname = '{store.database}')"
    )
    try:
        async with store.refresh_lock("ada@example.com"):
            pids = [row[0] for row in run_postgres([holders])]
            assert len(pids) == 1
            run_postgres([f"SELECT pg_terminate_backend({pids[0]})"])
            with anyio.fail_after(5):
                async with other.refresh_lock("ada@example.com"):
                    pass
    finally:
        await other.aclose()
    assert run_postgres([holders]) == []  # released, and the dead session's close was harmless


async def test_lock_released_on_cancellation(store: PostgresStore) -> None:
    other = PostgresStore(store.url, lock_timeout=2)
    try:
        with anyio.move_on_after(0.2):
            async with store.refresh_lock("ada@example.com"):
                await anyio.sleep(10)
        with anyio.fail_after(5):
            async with other.refresh_lock("ada@example.com"):
                pass
    finally:
        await other.aclose()


# -- config ----------------------------------------------------------------------------------


async def test_config_selects_the_store_and_the_client_keeps_tokens_there() -> None:
    from zcrm_async.testing import FakeZohoCRM

    fake = FakeZohoCRM()
    url = fresh_database_url()
    config = fake.config(persistence=None, postgres_url=url)
    async with zc.ZohoCRM(config, transport=fake.transport()) as crm:
        assert isinstance(crm.store, PostgresStore) and crm.store.url == url
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        assert (await crm.users.current()).email == fake.user_email
    database = urlsplit(url).path.lstrip("/")
    rows = run_postgres(["SELECT useridentifier FROM oauthtokens"], database=database)
    assert rows == [(fake.user_email,)]


def test_config_checks_the_url_and_hides_its_password() -> None:
    base = {"client_id": "1000.X", "client_secret": "s", "redirect_uri": "http://localhost/cb"}
    with pytest.raises(zc.ConfigError, match=r"'postgres_url': is mandatory with persistence"):
        zc.Config(**base, persistence="postgres")
    with pytest.raises(zc.ConfigError, match=r"'postgres_url': expected a URL starting with"):
        zc.Config(**base, postgres_url="mysql://db:3306/zohooauth")
    with pytest.raises(zc.ConfigError, match=r"'postgres_url': the port of"):
        zc.Config(**base, postgres_url="postgresql://db:99999/zohooauth")
    config = zc.Config(**base, postgres_url="postgresql://crm:Db-Pass-Word@db.internal/tokens")
    store = zc.stores.build_store(config)
    assert isinstance(store, PostgresStore)
    assert (store.host, store.port, store.user, store.database) == (
        "db.internal",
        5432,
        "crm",
        "tokens",
    )
    for text in (repr(config), repr(store), str(store)):
        assert "Db-Pass-Word" not in text
    assert PostgresStore("postgresql://db.internal").database == "zohooauth"

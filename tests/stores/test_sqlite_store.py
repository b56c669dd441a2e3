"""The SQLite store: WAL, the seed's columns, widening old tables, clear errors."""

from __future__ import annotations

import logging
import sqlite3
import stat
import time
from pathlib import Path

import pytest

from tests.stores.test_conformance import tokens
from zcrm_async import TokenStoreError
from zcrm_async.stores.sqlite import SQLiteStore

pytestmark = pytest.mark.anyio


async def test_schema_has_the_seed_columns_and_wal(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "t.db")
    await store.save(tokens())
    await store.aclose()
    with sqlite3.connect(tmp_path / "t.db") as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(oauthtokens)")]
        mode = db.execute("PRAGMA journal_mode").fetchone()[0]
        row = db.execute("SELECT useridentifier, expirytime FROM oauthtokens").fetchone()
    assert columns[:4] == ["useridentifier", "accesstoken", "refreshtoken", "expirytime"]
    assert mode == "wal"
    assert row[0] == "ada@example.com" and row[1] > time.time() * 1000


async def test_creates_parent_folders_with_private_file(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "tokens.sqlite3"
    store = SQLiteStore(path)
    await store.save(tokens())
    await store.aclose()
    assert path.stat().st_mode & 0o077 == 0


async def test_a_table_without_api_domain_is_widened_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE oauthtokens (useridentifier varchar(100) PRIMARY KEY, "
            "accesstoken varchar(100), refreshtoken varchar(100), expirytime bigint)"
        )
        db.execute("INSERT INTO oauthtokens VALUES ('old@example.com', 'a', 'r', 123)")
    store = SQLiteStore(path)
    old = await store.load("old@example.com")
    assert old is not None and (old.access_token, old.expiry_time, old.api_domain) == (
        "a",
        123,
        None,
    )
    await store.save(tokens())
    assert await store.load("ada@example.com") is not None
    await store.aclose()


async def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "tokens.sqlite3"
    path.write_bytes(b"this is not a database, it is a shopping list" * 100)
    before = path.read_bytes()
    store = SQLiteStore(path)
    with pytest.raises(TokenStoreError, match=r"tokens\.sqlite3.*move it away"):
        await store.load("ada@example.com")
    assert path.read_bytes() == before
    await store.aclose()


async def test_a_world_readable_database_and_its_wal_are_made_private(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "tokens.sqlite3"
    keeper = sqlite3.connect(path)  # another process keeps the WAL files in place
    keeper.execute("PRAGMA journal_mode=WAL")
    keeper.execute("CREATE TABLE t (x)")
    keeper.execute("INSERT INTO t VALUES (1)")
    keeper.commit()
    sides = [tmp_path / "tokens.sqlite3-wal", tmp_path / "tokens.sqlite3-shm"]
    for file in (path, *sides):
        file.chmod(0o644)  # made before by a tool with umask 022
    store = SQLiteStore(path)
    try:
        with caplog.at_level(logging.WARNING, logger="zcrm_async"):
            await store.save(tokens())
        for file in (path, *sides):
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
        assert "readable by other users (mode 644): made it 600" in caplog.text
    finally:
        await store.aclose()
        keeper.close()


async def test_the_refresh_lock_is_a_lock_file_per_user_beside_the_database(
    tmp_path: Path,
) -> None:
    store = SQLiteStore(tmp_path / "t.db")
    try:
        # Other users are not blocked:
        async with store.refresh_lock("ada@example.com"), store.refresh_lock("bob@example.com"):
            pass
        folder = tmp_path / "t.db.locks"
        assert len(list(folder.iterdir())) == 2
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    finally:
        await store.aclose()

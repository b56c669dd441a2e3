"""Every token store, as a fixture, for the conformance suite.

``LISTS_USERS`` names the stores that claim :class:`zcrm_async.stores.ListsUsers`; the suite
checks every store's claim against it, and runs the listing cases on each of them through
``listing_stores``, a factory of stores of one kind, each on a namespace of its own.

A store that only works under asyncio declares it in ``ASYNCIO_ONLY``; the suite runs it under
asyncio and skips nothing else. The MySQL store joins through ``mysql_store_factory``; the Redis
and PostgreSQL stores always join, each on a namespace of its own, and skip (fail in CI) when
their server is not configured.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

import zcrm_async as zc
from zcrm_async.stores.sqlite import SQLiteStore


class DictHandler:
    """A custom handler with plain (sync) methods, as the seed's users write them."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}

    def save_oauth_data(self, tokens: zc.OAuthTokens) -> None:
        self.rows[tokens.user_email] = tokens.to_dict()

    def get_oauth_tokens(self, user_email: str) -> dict[str, Any] | None:
        return self.rows.get(user_email)

    def delete_oauth_tokens(self, user_email: str) -> None:
        self.rows.pop(user_email, None)


class AsyncHandler:
    """A custom handler with async methods."""

    def __init__(self) -> None:
        self.rows: dict[str, zc.OAuthTokens] = {}

    async def save_oauth_data(self, tokens: zc.OAuthTokens) -> None:
        self.rows[tokens.user_email] = tokens

    async def get_oauth_tokens(self, user_email: str) -> zc.OAuthTokens | None:
        return self.rows.get(user_email)

    async def delete_oauth_tokens(self, user_email: str) -> None:
        self.rows.pop(user_email, None)


def _mysql_factory(tmp_path: Path) -> zc.TokenStore:
    from tests.stores.mysql_support import make_mysql_store

    return make_mysql_store()


def _redis_factory(tmp_path: Path) -> zc.TokenStore:
    from tests.stores.server_support import fresh_key_prefix, redis_url
    from zcrm_async.stores.redis import RedisStore

    return RedisStore(redis_url(), key_prefix=fresh_key_prefix())


def _postgres_factory(tmp_path: Path) -> zc.TokenStore:
    from tests.stores.server_support import fresh_database_url
    from zcrm_async.stores.postgres import PostgresStore

    return PostgresStore(fresh_database_url())


STORE_FACTORIES: dict[str, Callable[[Path], zc.TokenStore]] = {
    "memory": lambda tmp: zc.MemoryStore(),
    "file": lambda tmp: zc.FileStore(tmp),
    "sqlite": lambda tmp: SQLiteStore(tmp / "tokens.sqlite3"),
    "custom-sync": lambda tmp: zc.CustomStore(DictHandler()),
    "custom-async": lambda tmp: zc.CustomStore(AsyncHandler),
    "redis": _redis_factory,
    "postgres": _postgres_factory,
}
if os.environ.get("ZCRM_TEST_MYSQL_URL") or os.environ.get("CI"):
    STORE_FACTORIES["mysql"] = _mysql_factory

ASYNCIO_ONLY = {"mysql", "redis"}
#: The stores that can name the users whose tokens they hold (all but the custom ones).
LISTS_USERS = {"memory", "file", "sqlite", "redis", "postgres", "mysql"} & set(STORE_FACTORIES)


@pytest.fixture(params=sorted(STORE_FACTORIES))
def store_kind(request: pytest.FixtureRequest) -> str:
    """Each store kind in turn."""
    return str(request.param)


@pytest.fixture
async def store(store_kind: str, tmp_path: Path) -> AsyncIterator[zc.TokenStore]:
    """A store of each kind in turn."""
    created = STORE_FACTORIES[store_kind](tmp_path)
    try:
        yield created
    finally:
        await created.aclose()


@pytest.fixture(params=sorted(LISTS_USERS))
def listing_kind(request: pytest.FixtureRequest) -> str:
    """Each kind of store that lists its users, in turn."""
    return str(request.param)


@pytest.fixture
async def listing_stores(
    listing_kind: str, tmp_path: Path
) -> AsyncIterator[Callable[[], zc.TokenStore]]:
    """Makes stores of one listing kind, each on a namespace of its own (closed at the end)."""
    made: list[zc.TokenStore] = []

    def make() -> zc.TokenStore:
        folder = tmp_path / f"store{len(made)}"
        folder.mkdir()
        made.append(STORE_FACTORIES[listing_kind](folder))
        return made[-1]

    try:
        yield make
    finally:
        for created in made:
            await created.aclose()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Asyncio-only stores are not collected under trio (their own tests check the error)."""
    kept, dropped = [], []
    for item in items:
        params = getattr(item, "callspec", None)
        params = params.params if params else {}
        kind = params.get("store_kind") or params.get("listing_kind")
        if kind in ASYNCIO_ONLY and params.get("anyio_backend") == "trio":
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept

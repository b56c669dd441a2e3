"""The MySQL server the tests use, from ``ZCRM_TEST_MYSQL_URL`` (``mysql://user:pw@host:port/db``).

Each store gets a database of its own, named after this test run (process id and a random tag)
so that concurrent runs on one server never share rows; every database made here is dropped
when the run exits.
"""

from __future__ import annotations

import asyncio
import atexit
import itertools
import os
import secrets
from typing import Any
from urllib.parse import unquote, urlsplit

from zcrm_async.stores.mysql import MySQLStore

DEFAULT_URL = "mysql://root:@127.0.0.1:3306/zcrm_test"
RUN_TAG = f"{os.getpid()}_{secrets.token_hex(3)}"
_counter = itertools.count(1)
_created: list[str] = []


def mysql_url() -> str | None:
    """The server's URL: the env var, or the local default when ``CI`` is set."""
    url = os.environ.get("ZCRM_TEST_MYSQL_URL")
    if not url and os.environ.get("CI"):
        url = DEFAULT_URL
    return url or None


def server_args(url: str | None = None) -> dict[str, Any]:
    """``host``, ``port``, ``user``, ``password`` and the base ``database`` name of the URL."""
    url = url or mysql_url()
    if not url:
        raise RuntimeError("set ZCRM_TEST_MYSQL_URL, e.g. mysql://root:@127.0.0.1:3306/zcrm_test")
    parts = urlsplit(url)
    if parts.scheme not in {"mysql", "mariadb"}:
        raise RuntimeError(f"ZCRM_TEST_MYSQL_URL must start with mysql://, not {parts.scheme}://")
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 3306,
        "user": unquote(parts.username or "root"),
        "password": unquote(parts.password or ""),
        "database": parts.path.lstrip("/") or "zcrm_test",
    }


def fresh_database_name() -> str:
    """A database name no other store of this or another test run uses (dropped at exit)."""
    base = server_args()["database"]
    name = f"{base}_{RUN_TAG}_{next(_counter)}"[:64]
    _created.append(name)
    return name


def make_mysql_store(**overrides: Any) -> MySQLStore:
    """A store on an empty database of its own (created by the store on first use)."""
    args = server_args()
    args["database"] = fresh_database_name()
    args.update(overrides)
    return MySQLStore(**args)


async def run_sql(statements: list[str], *, database: str | None = None) -> list[Any]:
    """Run statements as the test server's user; the last statement's rows."""
    import asyncmy

    args = server_args()
    args.pop("database")
    conn = await asyncmy.connect(**args, database=database, autocommit=True)
    rows: list[Any] = []
    try:
        async with conn.cursor() as cursor:
            for statement in statements:
                await cursor.execute(statement)
                rows = list(await cursor.fetchall() or ())
    finally:
        await conn.ensure_closed()
    return rows


def _drop_created() -> None:
    if not _created:
        return

    async def drop() -> None:
        names = ", ".join(f"'{name}'" for name in _created)
        rows = await run_sql(
            [f"SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN ({names})"]
        )
        if rows:
            await run_sql([f"DROP DATABASE IF EXISTS `{row[0]}`" for row in rows])

    try:
        asyncio.run(drop())
    except Exception as exc:  # the server went away: leave the databases, say so
        print(f"could not drop test databases {_created}: {exc}")


atexit.register(_drop_created)

"""The Redis and PostgreSQL servers the tests use, from environment variables.

``ZCRM_TEST_REDIS_URL`` (e.g. ``redis://127.0.0.1:6379/0``) and ``ZCRM_TEST_POSTGRES_URL``
(e.g. ``postgresql://postgres@127.0.0.1:5432/zcrm_test``). Unset or unreachable, a test that
needs one calls ``tests._external.missing``: a skip locally, a failure in CI.

Concurrent test runs share these servers, so everything made here is named after this run (the
process id and a random tag): Redis keys live under ``zcrm_test:<run>:<n>:``, PostgreSQL
databases are ``<base>_<run>_<n>``. Both are removed when the run exits.
"""

from __future__ import annotations

import atexit
import itertools
import os
import secrets
import socket
from functools import cache
from urllib.parse import urlsplit, urlunsplit

from tests._external import missing

RUN_TAG = f"{os.getpid()}_{secrets.token_hex(3)}"
_counter = itertools.count(1)
_databases: list[str] = []
_redis_used = False

REDIS_HOW = (
    "set ZCRM_TEST_REDIS_URL to a Redis server the tests may write to, e.g. "
    "redis://127.0.0.1:6379/0 (Debian: apt-get install redis-server; .ci/run starts one)"
)
POSTGRES_HOW = (
    "set ZCRM_TEST_POSTGRES_URL to a PostgreSQL server where the user may create databases, "
    "e.g. postgresql://postgres@127.0.0.1:5432/zcrm_test (Debian: apt-get install postgresql; "
    ".ci/run starts one)"
)


@cache
def _answers(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    address = (parts.hostname or "127.0.0.1", parts.port or default_port)
    try:
        socket.create_connection(address, timeout=2).close()
    except OSError:
        return False
    return True


def _server(variable: str, default_port: int, how: str) -> str:
    url = os.environ.get(variable, "").strip()
    if not url:
        missing(f"a server URL in {variable}", how)
    if not _answers(url, default_port):
        missing(f"the server of {variable} (nothing answers at {urlsplit(url).netloc})", how)
    return url


def redis_url() -> str:
    """The test Redis server's URL, or a skip (a failure in CI)."""
    global _redis_used
    url = _server("ZCRM_TEST_REDIS_URL", 6379, REDIS_HOW)
    _redis_used = True
    return url


def fresh_key_prefix() -> str:
    """A key prefix no other store of this or another run uses (its keys deleted at exit)."""
    return f"zcrm_test:{RUN_TAG}:{next(_counter)}:"


def postgres_url() -> str:
    """The test PostgreSQL server's URL, or a skip (a failure in CI)."""
    return _server("ZCRM_TEST_POSTGRES_URL", 5432, POSTGRES_HOW)


def postgres_database_url(database: str) -> str:
    """The test server's URL with another database."""
    return urlunsplit(urlsplit(postgres_url())._replace(path=f"/{database}"))


def fresh_database_url() -> str:
    """A URL naming a database no other store of this or another run uses (dropped at exit)."""
    base = urlsplit(postgres_url()).path.lstrip("/") or "zcrm_test"
    name = f"{base}_{RUN_TAG}_{next(_counter)}"[:63]
    _databases.append(name)
    return postgres_database_url(name)


def run_postgres(statements: list[str], *, database: str = "postgres") -> list[tuple[object, ...]]:
    """Run statements as the test server's user (autocommit); the last statement's rows."""
    import psycopg

    rows: list[tuple[object, ...]] = []
    url = postgres_database_url(database)
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        for statement in statements:
            cursor = conn.execute(statement)  # type: ignore[arg-type]
            rows = cursor.fetchall() if cursor.description else []
    return rows


def run_redis(*command: str | int) -> object:
    """One command on the test Redis server."""
    import redis

    client = redis.Redis.from_url(redis_url(), decode_responses=True, socket_timeout=10)
    try:
        return client.execute_command(*command)
    finally:
        client.close()


def _cleanup() -> None:
    if _databases:
        try:
            run_postgres([f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in _databases])
        except Exception as exc:  # the server went away: leave the databases, say so
            print(f"could not drop test databases {_databases}: {exc}")
    if _redis_used:
        try:
            import redis

            client = redis.Redis.from_url(os.environ["ZCRM_TEST_REDIS_URL"], socket_timeout=10)
            keys = list(client.scan_iter(match=f"zcrm_test:{RUN_TAG}:*", count=1000))
            if keys:
                client.delete(*keys)
            client.close()
        except Exception as exc:
            print(f"could not delete this run's Redis keys (zcrm_test:{RUN_TAG}:*): {exc}")


atexit.register(_cleanup)

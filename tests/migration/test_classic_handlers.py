"""The classic SDKs' token handlers, ported as a user would, run unchanged.

Each handler in ``handlers/`` is loaded the classic way (``persistence_handler_class_path`` and
``persistence_handler_class`` in a classic configuration dictionary) and survives: a grant; API
calls; a refresh after Zoho rejects the token, read back by a second client as another process
would; ``is_token_generated`` on an unknown user (the handler raises: False); and a revoke.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import zcrm_async as zc
from tests._external import missing
from zcrm_async.testing import FakeZohoCRM

pytestmark = [pytest.mark.anyio, pytest.mark.socket]

HANDLERS = Path(__file__).parent / "handlers"
SEED_TABLE = (
    "CREATE TABLE oauthtokens(useridentifier varchar(100), accesstoken varchar(100), "
    "refreshtoken varchar(100), expirytime bigint)"
)

#: file -> (class name, backend, what it shows)
CLASSIC = {
    "classic_python_mysql.py": ("ZohoOAuthPersistenceHandler", "mysql"),  # sync, PY names
    "ruby_sdk_mysql_async.py": ("ZohoOAuthPersistenceHandler", "mysql"),  # async, Ruby names
    "classic_python_file.py": ("ZohoOAuthPersistenceFileHandler", "file"),  # sync, PY names
    "article_camelcase_file.py": ("CustomPersistence", "file"),  # the article's camelCase
}


@pytest.fixture
def served() -> Iterator[FakeZohoCRM]:
    fake = FakeZohoCRM()
    with fake.serve_in_thread():
        yield fake


async def backend(kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the classic documentation asks for: the zohooauth table, or a folder."""
    if kind == "file":
        monkeypatch.setenv("ZOHO_TOKENS_DIR", str(tmp_path))
        return
    from tests.stores.mysql_support import fresh_database_name, mysql_url, run_sql, server_args

    if mysql_url() is None:
        missing("a MySQL server", "set ZCRM_TEST_MYSQL_URL=mysql://user:pw@host:port/db")
    database = fresh_database_name()
    await run_sql([f"CREATE DATABASE `{database}`"])
    await run_sql([SEED_TABLE], database=database)
    args = server_args()
    settings = {key: args[key] for key in ("host", "port", "user", "password")}
    monkeypatch.setenv("ZOHO_TOKENS_DB", json.dumps({**settings, "database": database}))


def classic_config(fake: FakeZohoCRM, handler_file: str, class_name: str) -> dict[str, Any]:
    """A classic configuration dictionary, with the classic Python spellings where they exist."""
    return {
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "redirect_uri": fake.redirect_uri,
        "currentUserEmail": fake.user_email,
        "accounts_url": fake.base_url,
        "apiBaseUrl": fake.base_url,
        "persistence_handler_class_path": str(HANDLERS / handler_file),
        "persistence_handler_class": class_name,
        # Not a classic key: the served fake answers on plain http, which a real setup's
        # https Zoho URLs never need.
        "allow_untrusted_hosts": True,
    }


@pytest.mark.backends("asyncio")  # the async handler runs on asyncmy
@pytest.mark.parametrize("handler_file", sorted(CLASSIC))
async def test_a_classic_handler_survives_grant_refresh_unknown_user_and_revoke(
    handler_file: str,
    served: FakeZohoCRM,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class_name, kind = CLASSIC[handler_file]
    await backend(kind, tmp_path, monkeypatch)
    config = classic_config(served, handler_file, class_name)

    async with zc.ZohoCRM(config) as crm:
        assert isinstance(crm.store, zc.CustomStore)
        assert not await crm.oauth.is_token_generated("nobody@example.com")
        assert not await crm.oauth.is_token_generated()  # none for the current user yet
        granted = await crm.oauth.generate_access_token(served.issue_grant_code())
        assert await crm.oauth.is_token_generated()
        assert (await crm.users.current()).email == served.user_email

        served.expire_access_tokens()  # Zoho rejects the token: refresh, save, replay
        created = await crm.records("Leads").create([{"Last_Name": "Migrated"}])
        assert created[0].ok

    async with zc.ZohoCRM(config) as other:  # another process, the same handler's storage
        stored = await other.store.load(served.user_email)
        assert stored is not None and stored.access_token != granted.access_token
        assert stored.refresh_token == granted.refresh_token
        served.stats.reset()
        await other.org.get()
        assert served.stats.token_mints == 0  # the refreshed token was read back, not re-minted
        assert await other.oauth.revoke() is True
        assert not await other.oauth.is_token_generated()

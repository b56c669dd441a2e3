"""No secret in any log record the SDK causes, whatever the root level, with every store.

The root logger is set to DEBUG (as ``logging.basicConfig(level=logging.DEBUG)`` does) and every
record of every logger is captured across a grant, API calls, a refresh after a 401, a refresh
after expiry and a revoke, against the fake on a real socket (so httpx logs too).
Records of the fake's own server (uvicorn) are not the SDK's and are left out.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import zcrm_async as zc
from tests._external import missing
from tests.stores.conftest import DictHandler
from zcrm_async.stores.sqlite import SQLiteStore
from zcrm_async.testing import FakeZohoCRM

pytestmark = [pytest.mark.anyio, pytest.mark.socket]


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.texts: list[tuple[str, str]] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if not record.name.startswith("uvicorn"):
            self.texts.append((record.name, self.format(record)))


@pytest.fixture
def everything_at_debug() -> Iterator[Capture]:
    root = logging.getLogger()
    capture = Capture()
    level = root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    try:
        yield capture
    finally:
        root.removeHandler(capture)
        root.setLevel(level)


def mysql_store(tmp: Path) -> zc.TokenStore:
    from tests.stores.mysql_support import make_mysql_store, mysql_url

    if mysql_url() is None:
        missing("a MySQL server", "set ZCRM_TEST_MYSQL_URL=mysql://user:pw@host:port/db")
    return make_mysql_store()


STORES: dict[str, Callable[[Path], zc.TokenStore]] = {
    "memory": lambda tmp: zc.MemoryStore(),
    "file": lambda tmp: zc.FileStore(tmp),
    "sqlite": lambda tmp: SQLiteStore(tmp / "tokens.sqlite3"),
    "custom": lambda tmp: zc.CustomStore(DictHandler()),
    "mysql": mysql_store,
}


@pytest.mark.backends("asyncio")  # aiosqlite and asyncmy log under asyncio
@pytest.mark.parametrize("kind", sorted(STORES))
async def test_no_secret_reaches_any_log_record(
    kind: str, tmp_path: Path, everything_at_debug: Capture
) -> None:
    fake = FakeZohoCRM()
    secrets = {fake.client_secret}
    with fake.serve_in_thread():
        store = STORES[kind](tmp_path)
        async with zc.ZohoCRM(fake.config(persistence=None), store=store) as crm:
            grant = fake.issue_grant_code()
            secrets.add(grant)
            tokens = await crm.oauth.generate_access_token(grant)
            secrets |= {tokens.access_token, tokens.refresh_token}
            await crm.records("Leads").create([{"Last_Name": "Logged"}])
            fake.expire_access_tokens()  # a 401, then a refresh
            await crm.users.current()
            refreshed = await store.load(fake.user_email)
            assert refreshed is not None
            secrets.add(refreshed.access_token)
            refreshed.expiry_time = int(time.time() * 1000)  # expired: a refresh before the call
            await store.save(refreshed)
            crm.tokens._cache.clear()
            await crm.org.get()
            again = await store.load(fake.user_email)
            assert again is not None
            secrets.add(again.access_token)
            assert await crm.oauth.revoke()
    assert fake.stats.token_mints == 3
    texts = everything_at_debug.texts
    assert any(name.startswith("httpx") for name, _ in texts)  # the capture did capture
    leaks = [(name, text) for name, text in texts for secret in secrets if secret in text]
    assert leaks == []


@pytest.mark.backends("asyncio")
async def test_no_channel_token_reaches_any_log_record(everything_at_debug: Capture) -> None:
    """A notification channel's token: sent when enabling, listed back, delivered in every
    notification, checked by the receiver; logged nowhere, even when things go wrong."""
    import httpx
    from fastapi import FastAPI

    from zcrm_async.integrations.fastapi import ZohoNotifications

    token, wrong = "channel-secret-0123456789", "forged-secret-9876543210"
    fake = FakeZohoCRM()
    receiver = zc.NotificationReceiver({7: token}, max_pending=1)
    app = FastAPI()
    app.include_router(ZohoNotifications(receiver).router)
    fake.notifications.transport = httpx.ASGITransport(app=app)
    url = "https://app.example.com/zoho/notifications"
    with fake.serve_in_thread():
        async with zc.ZohoCRM(fake.config()) as crm:
            await crm.oauth.generate_access_token(fake.issue_grant_code())
            watch = crm.notifications
            await watch.enable(7, ["Leads.all"], url, token=token)
            await watch.enable(8, ["Contacts.all"], url, token=wrong)  # refused: 403
            channels = await watch.list().to_list()
            assert all(token not in repr(c) for c in channels)
            await crm.records("Leads").create([{"Last_Name": "One"}])  # queued
            await crm.records("Leads").create([{"Last_Name": "Two"}])  # the queue is full: 503
            await crm.records("Contacts").create([{"Last_Name": "Forged"}])
            with pytest.raises(zc.InvalidArgumentError) as caught:
                await watch.enable(9, ["Leads.all"], url, token=token * 3)  # too long
            assert token not in str(caught.value)
            await watch.disable([7, 8])
    assert receiver.stats.rejected == 1 and receiver.stats.forbidden == 1
    texts = everything_at_debug.texts
    assert any("queue full" in text for _, text in texts)  # the capture did capture
    leaks = [(name, text) for name, text in texts if token in text or wrong in text]
    assert leaks == []

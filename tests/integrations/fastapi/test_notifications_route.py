"""Zoho's notifications reaching a FastAPI app served by uvicorn on a real socket.

The app is what a user writes: ``ZohoNotifications`` as a route, and a consumer of the receiver
started by the app's lifespan. The fake delivers over the network, as Zoho does, after writes
through its API. uvicorn runs in this test's event loop (asyncio), as it runs an app's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

import anyio
import pytest
import uvicorn
from fastapi import FastAPI

import zcrm_async as zc
from zcrm_async.integrations.fastapi import ZohoNotifications
from zcrm_async.testing import FakeZohoCRM
from zcrm_async.testing._socket import bind

pytestmark = [pytest.mark.anyio, pytest.mark.socket, pytest.mark.backends("asyncio")]

CHANNEL, TOKEN = 4242, "kept-secret"


@asynccontextmanager
async def serving(
    receiver: zc.NotificationReceiver, handle: Callable[[zc.Notification], Awaitable[None]]
) -> AsyncIterator[str]:
    """The app on a real socket, its lifespan dispatching notifications to ``handle``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with receiver.dispatching(handle):
            yield

    app = FastAPI(lifespan=lifespan)
    app.include_router(ZohoNotifications(receiver, path="/zoho/notifications").router)
    sock, url = bind("127.0.0.1", 0)
    config = uvicorn.Config(app, log_level="error", lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    async with anyio.create_task_group() as group:
        group.start_soon(server.serve, [sock])
        with anyio.fail_after(10):
            while not server.started:  # noqa: ASYNC110 - uvicorn offers no event for it
                await anyio.sleep(0.01)
        try:
            yield f"{url}/zoho/notifications"
        finally:
            server.should_exit = True


@pytest.fixture
async def crm(fake: FakeZohoCRM) -> AsyncIterator[zc.ZohoCRM]:
    async with zc.ZohoCRM(fake.config(), transport=fake.transport()) as client:
        await client.oauth.generate_access_token(fake.issue_grant_code())
        yield client


async def test_changes_reach_the_app_and_its_handler(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    receiver = zc.NotificationReceiver({CHANNEL: TOKEN})
    seen: list[zc.Notification] = []
    both = anyio.Event()

    async def handle(note: zc.Notification) -> None:
        seen.append(note)
        if len(seen) == 2:
            both.set()

    async with (
        serving(receiver, handle) as notify_url,
        crm.notifications.keep_alive(
            CHANNEL, ["Contacts.all"], notify_url, token=TOKEN, lifetime=timedelta(minutes=30)
        ),
    ):
        contacts = crm.records("Contacts")
        [contact] = (await contacts.create([{"Last_Name": "Socket"}])).ids
        await contacts.update([{"id": contact, "Email": "socket@example.com"}])
        with anyio.fail_after(10):
            await both.wait()
    assert [(n.operation, n.ids) for n in seen] == [("insert", [contact]), ("update", [contact])]
    assert seen[1].changed_fields(str(contact)) == ["Email"]
    assert [d.status for d in fake.notifications.deliveries] == [200, 200]
    assert fake.notifications.channels() == []  # keep_alive disabled it on exit


async def test_the_route_answers_before_the_apps_work_is_done(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    receiver = zc.NotificationReceiver({CHANNEL: TOKEN})
    started, release = anyio.Event(), anyio.Event()

    async def slow(note: zc.Notification) -> None:
        started.set()
        await release.wait()

    async with serving(receiver, slow) as notify_url:
        await crm.notifications.enable(CHANNEL, ["Leads.create"], notify_url, token=TOKEN)
        with anyio.fail_after(10):
            await crm.records("Leads").create([{"Last_Name": "Quick answer"}])
            await started.wait()
        # The handler is still busy, yet Zoho (the fake) got its 200 already.
        assert [d.status for d in fake.notifications.deliveries] == [200]
        release.set()


async def test_a_forged_notification_is_refused_over_the_network(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    receiver = zc.NotificationReceiver({CHANNEL: TOKEN})

    async def never(note: zc.Notification) -> None:
        raise AssertionError(f"a forged notification was handled: {note}")

    async with serving(receiver, never) as notify_url:
        await crm.notifications.enable(CHANNEL, ["Leads.create"], notify_url, token="forged")
        await crm.records("Leads").create([{"Last_Name": "Forged"}])
    assert [d.status for d in fake.notifications.deliveries] == [403]
    assert receiver.stats.forbidden == 1 and receiver.stats.accepted == 0

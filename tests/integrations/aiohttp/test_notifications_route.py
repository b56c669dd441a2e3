"""Zoho's notifications reaching an aiohttp app on a real socket (pytest-aiohttp's server).

Marked ``asyncio`` rather than ``anyio``: pytest-aiohttp's fixtures run on pytest-asyncio's loop.
The app reads its receiver in a task a ``cleanup_ctx`` starts, as an aiohttp app would.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

import zcrm_async as zc
from zcrm_async.integrations.aiohttp import ZohoNotifications
from zcrm_async.testing import FakeZohoCRM

pytestmark = [pytest.mark.asyncio, pytest.mark.socket]

MakeServer = Callable[..., Awaitable[TestServer]]
CHANNEL, TOKEN = 77, "aiohttp-token"


def build_app(
    receiver: zc.NotificationReceiver, seen: asyncio.Queue[zc.Notification]
) -> web.Application:
    async def consume(app: web.Application) -> AsyncIterator[None]:
        async def read() -> None:
            async for note in receiver:
                await seen.put(note)

        task = asyncio.create_task(read())
        yield
        receiver.close()
        await task

    app = web.Application()
    app.cleanup_ctx.append(consume)
    ZohoNotifications(receiver).setup(app)
    return app


async def test_changes_reach_an_aiohttp_app(aiohttp_server: MakeServer) -> None:
    fake = FakeZohoCRM()
    receiver = zc.NotificationReceiver({CHANNEL: TOKEN})
    seen: asyncio.Queue[zc.Notification] = asyncio.Queue()
    server = await aiohttp_server(build_app(receiver, seen))
    notify_url = str(server.make_url("/zoho/notifications"))
    async with zc.ZohoCRM(fake.config(), transport=fake.transport()) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        await crm.notifications.enable(CHANNEL, ["Accounts.create"], notify_url, token=TOKEN)
        [account] = (await crm.records("Accounts").create([{"Account_Name": "Aio"}])).ids
        note = await asyncio.wait_for(seen.get(), 10)
    assert (note.module, note.operation, note.ids) == ("Accounts", "insert", [account])
    assert [d.status for d in fake.notifications.deliveries] == [200]


async def test_the_route_refuses_oversized_and_forged_bodies(aiohttp_server: MakeServer) -> None:
    receiver = zc.NotificationReceiver({CHANNEL: TOKEN}, max_body=512)
    server = await aiohttp_server(build_app(receiver, asyncio.Queue()))
    url = str(server.make_url("/zoho/notifications"))
    forged = {"module": "Leads", "operation": "insert", "ids": ["1"], "channel_id": CHANNEL}
    async with httpx.AsyncClient() as client:
        big = await client.post(url, content=b"x" * 4096)
        wrong = await client.post(url, json={**forged, "token": "no"})
    assert (big.status_code, wrong.status_code) == (413, 403)
    assert receiver.pending == 0 and receiver.stats.malformed == 1

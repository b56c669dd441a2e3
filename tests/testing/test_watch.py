"""The fake's notification channels: Zoho's expiry rules, and notifications delivered to the
channel's URL when records change through the API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

import zcrm_async as zc
from zcrm_async.integrations.fastapi import ZohoNotifications
from zcrm_async.testing import FakeZohoCRM

pytestmark = pytest.mark.anyio

URL = "https://app.example.com/zoho/notifications?tenant=acme"
TOKEN = "channel-token"


@pytest.fixture
def receiver(fake: FakeZohoCRM) -> zc.NotificationReceiver:
    """A receiver the fake delivers to in process (an app with the FastAPI route)."""
    received = zc.NotificationReceiver({"1001": TOKEN, "1002": TOKEN})
    app = FastAPI()
    app.include_router(ZohoNotifications(received, path="/zoho/notifications").router)
    fake.notifications.transport = httpx.ASGITransport(app=app)
    return received


async def drain(receiver: zc.NotificationReceiver) -> list[zc.Notification]:
    out = []
    while receiver.pending:
        out.append(await receiver.get())
    return out


@pytest.fixture
async def crm_v2(fake: FakeZohoCRM, fast_retry: zc.RetryPolicy) -> AsyncIterator[zc.ZohoCRM]:
    config = fake.config(api_version="v2")
    async with zc.ZohoCRM(config, transport=fake.transport(), retry=fast_retry) as client:
        await client.oauth.generate_access_token(fake.issue_grant_code())
        yield client


async def test_writes_through_the_api_are_delivered_per_call_and_operation(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, receiver: zc.NotificationReceiver
) -> None:
    await crm.notifications.enable(1001, ["Leads.all"], URL, token=TOKEN)
    leads = crm.records("Leads")
    created = await leads.create([{"Last_Name": "A"}, {"Last_Name": "B"}])
    a, b = created.ids
    await leads.update([{"id": a, "Company": "Acme", "Email": "a@example.com"}])
    await leads.delete([b])
    notes = await drain(receiver)
    assert [(n.operation, n.ids) for n in notes] == [
        ("insert", [a, b]),
        ("update", [a]),
        ("delete", [b]),
    ]
    assert sorted(notes[1].changed_fields(str(a))) == ["Company", "Email"]
    first = fake.notifications.deliveries[0]
    assert first.status == 200 and first.url == URL
    assert first.payload["token"] == TOKEN and first.payload["query_params"] == {"tenant": "acme"}
    assert first.payload["resource_uri"].endswith("/crm/v8/Leads")
    assert isinstance(first.payload["server_time"], int)


async def test_only_the_events_a_channel_names_are_delivered(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, receiver: zc.NotificationReceiver
) -> None:
    await crm.notifications.enable(1001, ["Leads.create"], URL, token=TOKEN)
    await crm.notifications.enable(1002, ["Contacts.edit"], URL, token=TOKEN)
    leads = crm.records("Leads")
    [lead] = (await leads.create([{"Last_Name": "Only insert"}])).ids
    await leads.update([{"id": lead, "Company": "Not watched"}])
    await crm.records("Accounts").create([{"Account_Name": "Nobody watches"}])
    fake.add_records("Leads", [{"Last_Name": "Not through the API"}])
    [only] = await drain(receiver)
    assert (only.channel_id, only.module, only.operation) == ("1001", "Leads", "insert")


async def test_an_upsert_notifies_its_inserts_and_its_updates(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, receiver: zc.NotificationReceiver
) -> None:
    (old,) = fake.add_records("Leads", [{"Last_Name": "Old", "Email": "old@example.com"}])
    await crm.notifications.enable(1001, ["Leads.all"], URL, token=TOKEN)
    await crm.records("Leads").upsert(
        [{"Last_Name": "Old", "Email": "old@example.com"}, {"Last_Name": "New"}],
        duplicate_check_fields=["Email"],
    )
    notes = await drain(receiver)
    assert sorted(n.operation for n in notes) == ["insert", "update"]
    assert next(n for n in notes if n.operation == "update").ids == [old]


async def test_a_field_condition_limits_edit_notifications(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, receiver: zc.NotificationReceiver
) -> None:
    (deal,) = fake.add_records(
        "Deals", [{"Deal_Name": "D", "Stage": "Qualification", "Closing_Date": "2030-01-01"}]
    )
    condition = {
        "type": "field_selection",
        "module": {"api_name": "Deals", "id": "5725767000000002181"},
        "field_selection": {
            "group_operator": "or",
            "group": [{"field": {"api_name": "Stage", "id": "5725767000000000525"}}],
        },
    }
    await crm.notifications.enable(
        1001, ["Deals.edit"], URL, token=TOKEN, notification_condition=[condition]
    )
    deals = crm.records("Deals")
    await deals.update([{"id": deal, "Amount": 10.0}])  # Stage unchanged: no notification
    await deals.update([{"id": deal, "Stage": "Needs Analysis"}])
    [note] = await drain(receiver)
    assert note.changed_fields(deal) == ["Stage"]


async def test_affected_values_come_when_asked_for(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, receiver: zc.NotificationReceiver
) -> None:
    (lead,) = fake.add_records("Leads", [{"Last_Name": "V"}])
    await crm.notifications.enable(
        1001, ["Leads.edit"], URL, token=TOKEN, return_affected_field_values=True
    )
    await crm.records("Leads").update([{"id": lead, "Company": "Valued"}])
    [note] = await drain(receiver)
    assert note.affected_values == [{"record_id": lead, "values": {"Company": "Valued"}}]


async def test_expired_and_disabled_channels_are_not_notified(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, receiver: zc.NotificationReceiver
) -> None:
    await crm.notifications.enable(1001, ["Leads.create"], URL, token=TOKEN)
    await crm.notifications.enable(1002, ["Leads.create"], URL, token=TOKEN)
    fake.notifications.expire(1001)
    await crm.notifications.disable(1002)
    await crm.records("Leads").create([{"Last_Name": "Unheard"}])
    assert await drain(receiver) == []
    assert fake.notifications.deliveries == []


def _expiry(result: zc.WriteResult) -> timedelta:
    expiry = datetime.fromisoformat(result.details["events"][0]["channel_expiry"])
    return expiry - datetime.now(UTC)


async def test_without_an_expiry_a_channel_lives_an_hour(crm: zc.ZohoCRM) -> None:
    result = await crm.notifications.enable(1001, ["Leads.create"], URL)
    assert timedelta(minutes=59) < _expiry(result) <= timedelta(hours=1)


@pytest.mark.parametrize(("version", "asked"), [("v8", 8), ("v2", 2)])
async def test_an_expiry_beyond_the_maximum_becomes_an_hour(
    fake: FakeZohoCRM, version: str, asked: int
) -> None:
    # What Zoho does silently (the SDK refuses such an expiry before it is sent).
    async with zc.ZohoCRM(fake.config(api_version=version), transport=fake.transport()) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        expiry = (datetime.now(UTC) + timedelta(days=asked)).isoformat(timespec="seconds")
        body = {
            "watch": [
                {
                    "channel_id": 1,
                    "events": ["Leads.all"],
                    "notify_url": URL,
                    "channel_expiry": expiry,
                }
            ]
        }
        answer = await crm.request("POST", "actions/watch", json=body)
    expires = datetime.fromisoformat(answer["watch"][0]["details"]["events"][0]["channel_expiry"])
    assert timedelta(minutes=59) < expires - datetime.now(UTC) <= timedelta(hours=1)


async def test_v2_serves_the_same_channels(
    crm_v2: zc.ZohoCRM, fake: FakeZohoCRM, receiver: zc.NotificationReceiver
) -> None:
    await crm_v2.notifications.enable(1001, ["Leads.create"], URL, token=TOKEN)
    assert [c.module for c in await crm_v2.notifications.list().to_list()] == ["Leads"]
    await crm_v2.records("Leads").create([{"Last_Name": "Two"}])
    [note] = await drain(receiver)
    assert note.resource_uri is not None and note.resource_uri.endswith("/crm/v2/Leads")


async def test_a_receiver_that_is_down_does_not_fail_the_write(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    fake.notifications.transport = httpx.MockTransport(refuse)
    await crm.notifications.enable(1001, ["Leads.create"], URL, token=TOKEN)
    result = await crm.records("Leads").create([{"Last_Name": "Written anyway"}])
    assert result[0].ok
    [delivery] = fake.notifications.deliveries
    assert (
        delivery.status is None and delivery.error is not None and "ConnectError" in delivery.error
    )


async def test_a_wrong_token_is_refused_by_the_receiver(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, receiver: zc.NotificationReceiver
) -> None:
    await crm.notifications.enable(1001, ["Leads.create"], URL, token="not-the-receivers")
    await crm.records("Leads").create([{"Last_Name": "Forged?"}])
    [delivery] = fake.notifications.deliveries
    assert delivery.status == 403
    assert receiver.pending == 0 and receiver.stats.forbidden == 1


@pytest.mark.parametrize(
    ("item", "code", "api_name"),
    [
        ({"events": ["Leads.all"], "notify_url": URL}, "MANDATORY_NOT_FOUND", "channel_id"),
        ({"channel_id": 1, "notify_url": URL}, "MANDATORY_NOT_FOUND", "events"),
        ({"channel_id": 1, "events": ["Leads.all"]}, "MANDATORY_NOT_FOUND", "notify_url"),
        ({"channel_id": 1, "events": ["Leads.fly"], "notify_url": URL}, "INVALID_DATA", "events"),
        (
            {"channel_id": 1, "events": ["Leads.all"], "notify_url": URL, "token": "x" * 51},
            "INVALID_DATA",
            "token",
        ),
    ],
)
async def test_channel_errors_are_per_channel_and_answered_202(
    crm: zc.ZohoCRM, item: dict[str, Any], code: str, api_name: str
) -> None:
    response = await crm.request("POST", "actions/watch", json={"watch": [item]}, raw=True)
    assert response.status_code == 202
    [entry] = response.json()["watch"]
    assert (entry["status"], entry["code"], entry["details"]["api_name"]) == (
        "error",
        code,
        api_name,
    )

"""``NotificationReceiver``: token checks, parsing, the bounded queue and its overflow policy."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import anyio
import anyio.lowlevel
import pytest

import zcrm_async as zc

pytestmark = pytest.mark.anyio

CHANNEL, TOKEN = "1000000068001", "TOKEN_FOR_VERIFICATION_OF_1000000068001"


def payload(**changes: Any) -> dict[str, Any]:
    """A notification as Zoho delivers it (its documented sample's keys)."""
    body: dict[str, Any] = {
        "server_time": 1718117126473,
        "query_params": {"key1": "val1"},
        "module": "Leads",
        "resource_uri": "https://www.zohoapis.com/crm/v2/Leads",
        "ids": ["5725767000003000064"],
        "affected_fields": [],
        "operation": "insert",
        "channel_id": CHANNEL,
        "token": TOKEN,
    }
    body.update(changes)
    return body


def send(receiver: zc.NotificationReceiver, body: Any) -> tuple[int, str]:
    return receiver.handle(json.dumps(body).encode())


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def test_a_genuine_notification_is_queued_and_parsed() -> None:
    receiver = zc.NotificationReceiver({CHANNEL: TOKEN})
    update = payload(
        operation="update",
        ids=["1", 2],
        affected_fields=[{"1": ["Last_Name", "Email"]}],
        affected_values=[{"record_id": "1", "values": {"Last_Name": "Z"}}],
    )
    assert send(receiver, update) == (200, "ok")
    assert receiver.pending == 1 and receiver.stats.accepted == 1
    note = await receiver.get()
    assert (note.module, note.operation, note.ids, note.channel_id) == (
        "Leads",
        "update",
        ["1", "2"],
        CHANNEL,
    )
    assert note.server_time is not None and note.server_time.year == 2024
    assert note.query_params == {"key1": "val1"}
    assert note.changed_fields("1") == ["Last_Name", "Email"] and note.changed_fields("2") == []
    assert note.affected_values == [{"record_id": "1", "values": {"Last_Name": "Z"}}]
    assert "token" not in note.data and TOKEN not in repr(note)


@pytest.mark.parametrize(
    "body",
    [
        payload(token="TOKEN_FOR_VERIFICATION_OF_1000000068002"),  # another channel's token
        payload(token=None),
        payload(channel_id="1000000068002"),  # a channel this receiver does not know
        payload(token=TOKEN.lower()),
    ],
)
def test_an_unknown_channel_or_wrong_token_is_forbidden(body: dict[str, Any]) -> None:
    receiver = zc.NotificationReceiver({CHANNEL: TOKEN})
    assert send(receiver, body) == (403, "unknown channel or wrong token")
    assert receiver.pending == 0 and receiver.stats.forbidden == 1


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"<html>", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (json.dumps(payload(module=None)).encode(), "no module"),
        (json.dumps(payload(ids="1,2")).encode(), "ids are not a list"),
        (json.dumps(payload(operation="")).encode(), "no operation"),
    ],
)
def test_a_body_that_is_no_notification_is_a_bad_request(body: bytes, why: str) -> None:
    receiver = zc.NotificationReceiver({CHANNEL: TOKEN})
    status, text = receiver.handle(body)
    assert status == 400 and why in text
    assert receiver.stats.malformed == 1


async def test_a_body_larger_than_the_limit_is_refused_unread() -> None:
    receiver = zc.NotificationReceiver({CHANNEL: TOKEN}, max_body=100)
    consumed = []

    async def endless() -> AsyncIterator[bytes]:
        for _ in range(1000):
            consumed.append(1)
            yield b"x" * 60

    assert await receiver.receive(endless()) == (413, "notification too large")
    assert len(consumed) == 2  # stopped as soon as the limit was passed
    body = json.dumps(payload()).encode()
    assert await zc.NotificationReceiver({CHANNEL: TOKEN}).receive(chunks(body[:9], body[9:])) == (
        200,
        "ok",
    )


async def test_a_full_queue_rejects_by_default(caplog: pytest.LogCaptureFixture) -> None:
    receiver = zc.NotificationReceiver({CHANNEL: TOKEN}, max_pending=2)
    assert [send(receiver, payload(ids=[str(n)]))[0] for n in range(3)] == [200, 200, 503]
    assert receiver.stats.rejected == 1 and receiver.pending == 2
    assert "queue full" in caplog.text and TOKEN not in caplog.text
    assert (await receiver.get()).ids == ["0"]


async def test_drop_oldest_keeps_the_newest(caplog: pytest.LogCaptureFixture) -> None:
    receiver = zc.NotificationReceiver({CHANNEL: TOKEN}, max_pending=2, overflow="drop_oldest")
    caplog.set_level(logging.WARNING)
    assert [send(receiver, payload(ids=[str(n)]))[0] for n in range(4)] == [200] * 4
    assert receiver.stats.dropped == 2
    kept = [(await receiver.get()).ids for _ in range(2)]
    assert kept == [["2"], ["3"]]
    assert "dropped the oldest" in caplog.text


async def test_the_app_reads_the_queue_as_an_async_iterator() -> None:
    receiver = zc.NotificationReceiver({CHANNEL: TOKEN})
    got: list[list[str]] = []

    async def consume() -> None:
        async for note in receiver:
            got.append(note.ids)

    async with anyio.create_task_group() as group:
        group.start_soon(consume)
        for n in range(3):
            send(receiver, payload(ids=[str(n)]))
            await anyio.lowlevel.checkpoint()
        receiver.close()  # iteration ends once the queue is read
    assert got == [["0"], ["1"], ["2"]]
    assert send(receiver, payload()) == (503, "receiver closed")


async def test_dispatching_runs_the_callback_and_survives_its_failures(
    caplog: pytest.LogCaptureFixture,
) -> None:
    receiver = zc.NotificationReceiver({CHANNEL: TOKEN})
    handled: list[str] = []
    done = anyio.Event()

    async def handle(note: zc.Notification) -> None:
        if note.ids == ["bad"]:
            raise RuntimeError("the app's own bug")
        handled.append(note.ids[0])
        if len(handled) == 2:
            done.set()

    async with receiver.dispatching(handle, concurrency=2):
        for ids in (["a"], ["bad"], ["b"]):
            send(receiver, payload(ids=ids))
        with anyio.fail_after(5):
            await done.wait()
    assert sorted(handled) == ["a", "b"]
    assert receiver.stats.failed_callbacks == 1
    assert "the app's own bug" in caplog.text


def test_bad_settings_are_refused() -> None:
    with pytest.raises(zc.InvalidArgumentError, match="max_pending"):
        zc.NotificationReceiver(max_pending=0)
    with pytest.raises(zc.InvalidArgumentError, match="overflow"):
        zc.NotificationReceiver(overflow="block")  # type: ignore[arg-type]
    with pytest.raises(zc.InvalidArgumentError, match=r"1\.\.50 characters"):
        zc.NotificationReceiver({CHANNEL: "x" * 51})


def test_channels_can_be_added_and_removed() -> None:
    receiver = zc.NotificationReceiver()
    assert send(receiver, payload())[0] == 403
    receiver.add_channel(int(CHANNEL), TOKEN)
    assert send(receiver, payload())[0] == 200
    receiver.remove_channel(CHANNEL)
    assert send(receiver, payload())[0] == 403
    assert TOKEN not in repr(receiver)


def test_a_listed_channel_keeps_its_token_out_of_repr() -> None:
    channel = zc.NotificationChannel.from_api(
        {
            "channel_id": 1000000068001,
            "resource_name": "Leads",
            "events": ["Leads.create"],
            "channel_expiry": "2030-01-01T10:00:00+05:30",
            "token": TOKEN,
            "notify_url": "https://example.com/hook?authorization=Zoho-oauthtoken 1000.secret",
            "fields": None,
        }
    )
    assert channel.channel_id == CHANNEL and channel.module == "Leads"
    assert channel.channel_expiry is not None and channel.channel_expiry.utcoffset() is not None
    assert TOKEN not in repr(channel) and "secret" not in repr(channel)
    assert channel.to_dict()["fields"] is None  # unknown keys kept

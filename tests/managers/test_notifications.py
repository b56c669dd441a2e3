"""``crm.notifications``: enable, list, update, remove events, disable, and keep a channel alive."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import anyio
import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

from .conftest import requests_to

pytestmark = pytest.mark.anyio

URL = "https://hooks.example.com/zoho"
WATCH = "/crm/{version}/actions/watch"


async def test_enable_list_and_disable(any_crm: zc.ZohoCRM) -> None:
    watch = any_crm.notifications
    result = await watch.enable(
        1001, ["Leads.all", "Deals.edit"], URL, token="t0k3n", expiry=timedelta(minutes=30)
    )
    assert result.ok
    assert result.message == "Successfully subscribed for actions-watch of the given module"
    events = {e["resource_name"]: e for e in result.details["events"]}
    assert set(events) == {"Leads", "Deals"}
    expiry = datetime.fromisoformat(events["Leads"]["channel_expiry"])
    assert timedelta(minutes=29) < expiry - datetime.now(UTC) <= timedelta(minutes=30)
    channels = await watch.list().to_list()
    assert [(c.channel_id, c.module, c.events) for c in channels] == [
        ("1001", "Deals", ["Deals.edit"]),
        ("1001", "Leads", ["Leads.all"]),
    ]
    assert channels[0].token == "t0k3n" and "t0k3n" not in repr(channels[0])
    [leads_only] = await watch.list(module="Leads").to_list()
    assert leads_only.module == "Leads"
    disabled = await watch.disable(1001)
    assert [r.message for r in disabled] == ["Successfully un-subscribed from actions-watch"] * 2
    assert [r.index for r in disabled] == [0, 0]
    assert await watch.list().to_list() == []


async def test_disabling_an_unknown_channel_is_a_failed_result(crm: zc.ZohoCRM) -> None:
    await crm.notifications.enable(1001, ["Leads.create"], URL)
    results = await crm.notifications.disable([2002, 1001])
    by_index = {r.index: r for r in results}
    assert by_index[0].code == "NOT_SUBSCRIBED" and by_index[1].ok


async def test_update_replaces_and_update_info_keeps(crm: zc.ZohoCRM) -> None:
    watch = crm.notifications
    await watch.enable(1001, ["Leads.create", "Contacts.create"], URL, token="first")
    await watch.update_info(1001, token="second", return_affected_field_values=True)
    channels = await watch.list().to_list()
    assert {c.module for c in channels} == {"Leads", "Contacts"}
    assert all(c.token == "second" and c.return_affected_field_values for c in channels)
    await watch.update(1001, ["Deals.delete"], URL + "/v2")
    [channel] = await watch.list().to_list()
    assert (channel.module, channel.events, channel.notify_url) == (
        "Deals",
        ["Deals.delete"],
        URL + "/v2",
    )
    assert channel.token is None and not channel.return_affected_field_values
    failed = await watch.update(3003, ["Deals.delete"], URL)
    assert failed.code == "NOT_SUBSCRIBED"


async def test_remove_events_keeps_the_channel(crm: zc.ZohoCRM) -> None:
    watch = crm.notifications
    await watch.enable(1001, ["Leads.create", "Leads.edit", "Contacts.all"], URL)
    removed = await watch.remove_events(1001, ["Leads.edit", "Contacts.all"])
    assert removed.message == "Successfully removed the subscribe details"
    [left] = await watch.list().to_list()
    assert left.events == ["Leads.create"]


async def test_a_per_channel_error_is_a_failed_result(crm: zc.ZohoCRM) -> None:
    result = await crm.notifications.enable(1001, ["Spaceships.create"], URL)
    assert not result.ok and result.code == "INVALID_DATA"
    assert result.details["api_name"] == "events"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"events": ["Leads.insert"]}, r"events\[0\] 'Leads.insert' is not an event"),
        ({"events": "Leads.all"}, "events must be a list"),
        ({"events": []}, "names no event"),
        ({"notify_url": "ftp://x"}, "not an http"),
        ({"token": "x" * 51}, r"token must be text of 1\.\.50 characters"),
        ({"expiry": timedelta(days=8)}, "Zoho would make it one hour"),
        ({"expiry": timedelta(seconds=-1)}, "in the past"),
        ({"expiry": datetime(2030, 1, 1)}, "aware datetime"),  # naive: the point
        ({"channel_id": "news"}, "channel_id 'news' is not a Zoho id"),
    ],
)
async def test_bad_arguments_are_refused_before_any_request(
    crm: zc.ZohoCRM, fake: FakeZohoCRM, kwargs: dict[str, object], message: str
) -> None:
    arguments: dict[str, object] = {"channel_id": 1001, "events": ["Leads.all"], "notify_url": URL}
    arguments.update(kwargs)
    fake.stats.reset()
    with pytest.raises((zc.InvalidArgumentError, zc.InvalidArgumentTypeError), match=message):
        await crm.notifications.enable(**arguments)  # type: ignore[arg-type]
    assert fake.stats.api_requests == 0


async def test_the_longest_expiry_is_a_day_on_v2_and_a_week_on_v8(
    crm: zc.ZohoCRM, crm_v2: zc.ZohoCRM
) -> None:
    assert (await crm.notifications.enable(1, ["Leads.all"], URL, expiry=timedelta(days=6))).ok
    with pytest.raises(zc.InvalidArgumentError, match="more than 1 day"):
        await crm_v2.notifications.enable(2, ["Leads.all"], URL, expiry=timedelta(days=2))
    assert (await crm_v2.notifications.enable(2, ["Leads.all"], URL, expiry=timedelta(hours=20))).ok


async def test_the_token_never_shows_in_an_error(crm: zc.ZohoCRM) -> None:
    with pytest.raises(zc.InvalidArgumentError) as caught:
        await crm.notifications.enable(1, ["Leads.all"], URL, token="s3cr3t-" + "x" * 50)
    assert "s3cr3t" not in str(caught.value)


# -- keep_alive -----------------------------------------------------------------------------------


async def test_keep_alive_renews_before_expiry_and_disables_on_exit(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    watch = crm.notifications
    fake.stats.reset()
    async with watch.keep_alive(
        1001,
        ["Leads.create"],
        URL,
        token="kept",
        lifetime=timedelta(seconds=4),
        renew_before=timedelta(seconds=3),
    ) as channel:
        first = channel.expiry
        assert first is not None and channel.renewals == 0
        assert [c.channel_id for c in await watch.list().to_list()] == ["1001"]
        with anyio.fail_after(10):
            while channel.renewals < 1:  # noqa: ASYNC110 - polls the renewer's counter
                await anyio.sleep(0.05)
        assert channel.expiry is not None and channel.expiry > first
    assert await watch.list().to_list() == []  # disabled on exit
    assert requests_to(fake, f"DELETE {WATCH}") == 1


async def test_keep_alive_does_not_spin_when_zoho_grants_less_than_renew_before(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    # Zoho answers whole seconds: an expiry 2 s ahead with renewals 1.9 s before it leaves at
    # most 0.1 s between renewals, unless the renewer holds back.
    fake.stats.reset()
    async with crm.notifications.keep_alive(
        1001,
        ["Leads.create"],
        URL,
        lifetime=timedelta(seconds=2),
        renew_before=timedelta(seconds=1.9),
    ) as channel:
        await anyio.sleep(1.5)
    assert channel.renewals <= 2
    assert requests_to(fake, f"POST {WATCH}") <= 3


async def test_keep_alive_retries_then_raises_once_the_channel_expired(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    body_cancelled = False
    with pytest.raises(zc.ServerError):
        async with crm.notifications.keep_alive(
            1001,
            ["Leads.create"],
            URL,
            lifetime=timedelta(seconds=2),
            renew_before=timedelta(seconds=1),
            max_retries=0,
        ) as channel:
            fake.fail_next(500, times=50, path="/crm/v8/actions/watch", method="POST")
            try:
                await anyio.sleep(30)
            except anyio.get_cancelled_exc_class():
                body_cancelled = True
                raise
    assert body_cancelled
    assert isinstance(channel.last_error, zc.ServerError)


async def test_keep_alive_checks_its_timing(crm: zc.ZohoCRM) -> None:
    watch = crm.notifications
    with pytest.raises(zc.InvalidArgumentError, match="below lifetime"):
        watch.keep_alive(
            1, ["Leads.all"], URL, lifetime=timedelta(minutes=5), renew_before=timedelta(minutes=5)
        )
    with pytest.raises(zc.InvalidArgumentError, match=re.escape("beyond Zoho's maximum")):
        watch.keep_alive(1, ["Leads.all"], URL, lifetime=timedelta(days=8))

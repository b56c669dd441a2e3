"""The REST sync's hot paths keep their behaviour: slots, JSON bodies, decoding, the fake."""

from __future__ import annotations

import json
import math
import time
from typing import Any

import anyio
import httpx
import pytest

import zcrm_async as zc
from zcrm_async._http._envelope import Answer, encode_json
from zcrm_async._http._limiter import AdaptiveLimiter
from zcrm_async.pipelines import upsert_in_chunks
from zcrm_async.testing import FakeZohoCRM
from zcrm_async.testing._validation import is_blank

pytestmark = pytest.mark.anyio


async def test_one_task_may_hold_several_slots() -> None:
    adaptive = AdaptiveLimiter(anyio.CapacityLimiter(2))
    async with adaptive.slot(), adaptive.slot(heavy=True):
        assert adaptive.limiter.borrowed_tokens == 2
        assert adaptive.heavy.borrowed_tokens == 1
    assert adaptive.limiter.borrowed_tokens == adaptive.heavy.borrowed_tokens == 0


async def test_a_full_limiter_makes_the_next_slot_wait() -> None:
    adaptive = AdaptiveLimiter(anyio.CapacityLimiter(1))
    order: list[str] = []

    async def second() -> None:
        async with adaptive.slot():
            order.append("second")

    async with anyio.create_task_group() as group, adaptive.slot():
        group.start_soon(second)
        await anyio.sleep(0.01)
        order.append("first done")
    assert order == ["first done", "second"]
    assert adaptive.limiter.borrowed_tokens == 0


async def test_a_slot_is_given_back_on_an_error_and_when_its_wait_is_cancelled() -> None:
    adaptive = AdaptiveLimiter(anyio.CapacityLimiter(1))
    with pytest.raises(RuntimeError, match="boom"):
        async with adaptive.slot(heavy=True) as epoch:
            assert epoch == adaptive.epoch
            raise RuntimeError("boom")
    assert adaptive.limiter.borrowed_tokens == adaptive.heavy.borrowed_tokens == 0
    async with adaptive.slot():  # the only slot taken: a heavy call waits holding a heavy slot
        with anyio.move_on_after(0.05) as scope:
            async with adaptive.slot(heavy=True):
                pytest.fail("the slot was taken while the only one was held")
        assert scope.cancelled_caught
        assert adaptive.heavy.borrowed_tokens == 0  # the heavy slot it held was given back
    assert adaptive.limiter.borrowed_tokens == 0


@pytest.mark.parametrize(
    "value",
    [{"data": [{"Last_Name": "Müller", "Email": "m@example.com", "n": 1.5, "ok": True}]}, [], "é"],
)
async def test_encode_json_sends_what_httpx_json_would(value: Any) -> None:
    assert encode_json(value) == httpx.Request("POST", "http://x", json=value).content


async def test_encode_json_refuses_nan_like_httpx() -> None:
    with pytest.raises(ValueError):
        encode_json({"n": math.nan})


async def test_json_requests_carry_the_content_type_unless_the_caller_set_one(
    fake: FakeZohoCRM, crm: zc.ZohoCRM
) -> None:
    seen: list[httpx.Request] = []

    async def record(request: httpx.Request) -> None:
        seen.append(request)

    crm.http.event_hooks["request"].append(record)
    await crm.request("POST", "Leads", json={"data": [{"Last_Name": "A"}]})
    await crm.request(
        "POST",
        "Leads",
        json={"data": [{"Last_Name": "B"}]},
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert seen[0].headers["content-type"] == "application/json"
    assert json.loads(seen[0].content) == {"data": [{"Last_Name": "A"}]}
    assert seen[1].headers.get_list("content-type") == ["application/json; charset=utf-8"]
    assert sorted(r["Last_Name"] for r in fake.records("Leads").values()) == ["A", "B"]


async def test_an_answer_is_decoded_once_whoever_asks() -> None:
    request = httpx.Request("POST", "https://www.zohoapis.com/crm/v8/Leads")
    response = httpx.Response(400, json={"data": [{"status": "error"}]}, request=request)
    answer = Answer(response)
    first = answer.json_or_text()
    assert answer.json() is first and answer.json_or_text() is first


async def test_a_rejected_batch_is_still_a_result(crm: zc.ZohoCRM) -> None:
    result = await crm.records("Leads").create([{"Email": "no-last-name@example.com"}])
    assert [r.code for r in result] == ["MANDATORY_NOT_FOUND"]
    assert result[0].details["api_name"] == "Last_Name"


@pytest.mark.parametrize(
    ("value", "blank"),
    [
        (None, True),
        ("", True),
        ([], True),
        ({}, True),
        (0, False),
        (False, False),
        (" ", False),
        (["a"], False),
        ({"id": "1"}, False),
    ],
)
async def test_is_blank(value: Any, blank: bool) -> None:
    assert is_blank(value) is blank


async def test_the_fake_writes_before_its_latency(fake: FakeZohoCRM, crm: zc.ZohoCRM) -> None:
    fake.latency = 0.3
    leads = crm.records("Leads")
    started = time.monotonic()
    async with anyio.create_task_group() as group:
        group.start_soon(leads.create, [{"Last_Name": "Early"}])
        await anyio.sleep(0.1)
        # written already, while the answer is still on its way
        assert [r["Last_Name"] for r in fake.records("Leads").values()] == ["Early"]
    assert time.monotonic() - started >= 0.3  # the answer itself still waited out the latency


async def test_default_workers_stay_within_the_client_limit(fake: FakeZohoCRM) -> None:
    fake.latency = 0.01
    async with zc.ZohoCRM(fake.config(max_concurrency=3), transport=fake.transport()) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        rows = [{"Last_Name": f"L{i}", "Email": f"w{i}@example.com"} for i in range(1500)]
        fake.stats.reset()
        result = await upsert_in_chunks(crm.records("Leads"), rows)
    assert fake.stats.max_in_flight == 3
    assert fake.stats.throttled == 0
    assert [r.index for r in result] == list(range(1500))
    assert sorted(r["Email"] for r in fake.records("Leads").values()) == sorted(
        r["Email"] for r in rows
    )


async def test_duplicate_check_still_finds_records_after_updates(
    fake: FakeZohoCRM, crm: zc.ZohoCRM
) -> None:
    leads = crm.records("Leads")
    first = await leads.upsert(
        [{"Last_Name": "A", "Email": "a@example.com"}], duplicate_check_fields=["Email"]
    )
    await leads.update([{"id": first[0].id, "Email": "moved@example.com"}])
    again = await leads.upsert(
        [
            {"Last_Name": "A2", "Email": "MOVED@example.com"},
            {"Last_Name": "B", "Email": "a@example.com"},
        ],
        duplicate_check_fields=["Email"],
    )
    assert [r.action for r in again] == ["update", "insert"]
    assert again[0].id == first[0].id
    assert again[1].id != first[0].id

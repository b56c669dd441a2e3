"""The client (_client.py): views (``as_user``, ``with_options``), per-call options, managers made
once per view, ``crm.request`` and ``crm.stream``."""

from __future__ import annotations

import random
from collections import Counter

import anyio
import httpx
import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

pytestmark = pytest.mark.anyio

TASKS = 240


async def test_interleaved_users_never_share_tokens(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    other_email = "other.user@example.com"
    fake.add_user(other_email)
    await crm.oauth.generate_access_token(
        fake.issue_grant_code(user_email=other_email), user_email=other_email
    )
    views = {fake.user_email: crm, other_email: crm.as_user(other_email)}
    user_ids = {email: (await view.users.current()).id for email, view in views.items()}
    assert len(set(user_ids.values())) == 2
    fake.latency = 0.001  # let the tasks interleave inside requests
    rng = random.Random(4)
    plan = [rng.choice(list(views)) for _ in range(TASKS)]
    other_of = {fake.user_email: other_email, other_email: fake.user_email}
    created: dict[str, str] = {}  # record id -> e-mail of the user who created it
    modified: dict[str, str] = {}  # record id -> e-mail of the user who changed it last
    seen: Counter[str] = Counter()

    async def act(index: int, email: str) -> None:
        view = views[email]
        kind = index % 3
        if kind == 0:
            result = await view.records("Leads").create([{"Last_Name": f"T{index}"}])
            record_id = result.raise_for_failures().ids[0]
            assert record_id is not None
            created[record_id] = email
        elif kind == 1:
            me = await view.users.current()
            assert me.email == email, f"task {index} acting as {email} was seen as {me.email}"
        else:  # write as one user, then have the record changed by the other one
            editor = other_of[email]
            result = await view.records("Leads").create([{"Last_Name": f"T{index}"}])
            record_id = result.raise_for_failures().ids[0] or ""
            created[record_id] = email
            changed = (
                await views[editor]
                .records("Leads")
                .update([{"id": record_id, "First_Name": "Edited"}])
            )
            changed.raise_for_failures()
            modified[record_id] = editor
        seen[email] += 1

    async with anyio.create_task_group() as group:
        for index, email in enumerate(plan):
            group.start_soon(act, index, email)

    assert sum(seen.values()) == TASKS and min(seen.values()) > TASKS // 4
    stored = fake.records("Leads")
    assert len(stored) == len(created) == 2 * TASKS // 3
    assert len(modified) == TASKS // 3
    for record_id, email in created.items():
        record = stored[record_id]
        assert record["Created_By"]["email"] == email
        assert record["Owner"]["id"] == user_ids[email]
        assert record["Modified_By"]["email"] == modified.get(record_id, email)
    # The clients share one pool and limiter, and each user's token was minted once.
    assert views[other_email].http is crm.http and views[other_email].limiter is crm.limiter
    assert fake.stats.token_mints == 2


# -- per-call options ---------------------------------------------------------------------------


async def test_per_call_max_retries(fake: FakeZohoCRM, crm: zc.ZohoCRM) -> None:
    fake.stats.reset()
    fake.fail_next(503, times=5)
    with pytest.raises(zc.ServerError):
        await crm.org.get(max_retries=1)
    assert fake.stats.api_requests == 2


@pytest.mark.socket
async def test_per_call_timeout(fake: FakeZohoCRM, fast_retry: zc.RetryPolicy) -> None:
    with fake.serve_in_thread():
        async with zc.ZohoCRM(fake.config(timeout=30), retry=fast_retry) as crm:
            await crm.oauth.generate_access_token(fake.issue_grant_code())
            fake.slow_next(1.0)
            with pytest.raises(zc.TransportError, match="ReadTimeout"):
                await crm.org.get(timeout=0.1, max_retries=0)
            assert (await crm.with_options(timeout=5).org.get()).zgid


async def test_per_call_headers_and_params_go_on_top(fake: FakeZohoCRM, crm: zc.ZohoCRM) -> None:
    seen: list[httpx.Request] = []

    async def record(request: httpx.Request) -> None:
        seen.append(request)

    crm.http.event_hooks["request"].append(record)
    leads = crm.records("Leads")
    await leads.list(
        fields=["Last_Name"], per_page=5, headers={"X-Trace": "t-1"}, params={"per_page": 7}
    )
    assert seen[-1].headers["X-Trace"] == "t-1"
    assert seen[-1].url.params["per_page"] == "7"  # the call's option wins
    assert seen[-1].url.params["fields"] == "Last_Name"


async def test_a_misspelt_option_is_refused_before_sending(crm: zc.ZohoCRM) -> None:
    with pytest.raises(zc.InvalidArgumentTypeError, match="'timout'"):
        await crm.org.get(timout=3)  # type: ignore[call-arg]
    with pytest.raises(zc.InvalidArgumentError, match="max_retries"):
        await crm.org.get(max_retries=-1)


async def test_with_options_views_share_everything_but_their_options(
    fake: FakeZohoCRM, crm: zc.ZohoCRM
) -> None:
    patient = crm.with_options(max_retries=5, headers={"X-Team": "sales"})
    impatient = patient.with_options(max_retries=0)
    assert impatient.options == {"max_retries": 0, "headers": {"X-Team": "sales"}}
    assert patient.http is crm.http and patient.limiter is crm.limiter
    assert patient.tokens is crm.tokens
    fake.stats.reset()
    fake.fail_next(503, times=3)
    assert (await patient.org.get()).zgid
    assert fake.stats.api_requests == 4
    fake.fail_next(503, times=3)
    with pytest.raises(zc.ServerError):
        await impatient.org.get()
    await impatient.aclose()  # a view closes nothing
    assert (await crm.org.get()).zgid


async def test_managers_are_made_once_per_view(crm: zc.ZohoCRM) -> None:
    assert crm.records("Leads") is crm.records("Leads")
    assert crm.users is crm.users and crm.bulk is crm.bulk
    other = crm.as_user("other@example.com")
    assert other.records("Leads") is not crm.records("Leads")
    assert other.records("Leads") is other.records("Leads")


# -- crm.request and crm.stream -----------------------------------------------------------------


async def test_request_returns_json_or_the_raw_response(crm: zc.ZohoCRM) -> None:
    body = await crm.request("GET", "org")
    raw = await crm.request("GET", "org", raw=True)
    assert isinstance(raw, httpx.Response) and raw.json() == body
    assert raw.request.headers["Authorization"] == "Zoho-oauthtoken ***"


async def test_stream_reads_a_body_chunk_by_chunk(fake: FakeZohoCRM, crm: zc.ZohoCRM) -> None:
    (lead,) = fake.add_records("Leads", [{"Last_Name": "Photo"}])
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 400
    await crm.records("Leads").upload_photo(lead, png, filename="p.png")
    async with crm.stream("GET", f"Leads/{lead}/photo") as response:
        chunks = [chunk async for chunk in response.aiter_bytes(4096)]
    assert b"".join(chunks) == png and len(chunks) > 1

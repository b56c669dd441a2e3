"""``crm.as_user``: many concurrent tasks acting as two users, each with its own token."""

from __future__ import annotations

import random
from collections import Counter

import anyio
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

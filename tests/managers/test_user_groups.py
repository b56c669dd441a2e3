"""``crm.user_groups``: groups of users, roles and territories (managers/user_groups.py)."""

from __future__ import annotations

from typing import Any

import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

from .conftest import requests_to

pytestmark = pytest.mark.anyio


async def _setup(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> dict[str, Any]:
    roles = {r.name: r.id for r in await crm.roles.list()}
    [root] = [t.id async for t in crm.territories.list() if t.reporting_to is None]
    emea = (await crm.territories.create([{"name": "EMEA", "reporting_to": {"id": root}}])).ids[0]
    me = (await crm.users.current()).id
    manager = fake.add_user("mia.manager@example.com")["id"]  # role Manager
    roamer = fake.add_user("rita.roamer@example.com", role="Sales")["id"]
    await crm.territories.add_users(emea or "", roamer)
    return {"roles": roles, "emea": emea, "me": me, "manager": manager, "roamer": roamer}


async def test_groups_reach_users_through_their_sources(fake: FakeZohoCRM, crm: zc.ZohoCRM) -> None:
    ids = await _setup(crm, fake)
    groups = crm.user_groups
    made = await groups.create(
        [
            {
                "name": "Deal desk",
                "description": "Approves discounts",
                "sources": [
                    {"type": "users", "source": {"id": ids["me"]}},
                    {"type": "roles", "source": {"id": ids["roles"]["Manager"]}},
                    {"type": "territories", "source": {"id": ids["emea"]}},
                ],
            },
            {"name": "deal desk", "sources": [{"type": "users", "source": {"id": ids["me"]}}]},
            {
                "name": "Ghosts",
                "sources": [{"type": "users", "source": {"id": "5725767000000999999"}}],
            },
            {"name": "Empty"},
        ]
    )
    assert [r.code for r in made] == [
        "SUCCESS",
        "DUPLICATE_DATA",
        "INVALID_DATA",
        "MANDATORY_NOT_FOUND",
    ]
    desk = made.ids[0] or ""
    group = await groups.get(desk)
    assert group.name == "Deal desk" and isinstance(group.created_by, zc.Lookup)
    assert [s["source"]["id"] for s in group.sources or []] == [
        ids["me"],
        ids["roles"]["Manager"],
        ids["emea"],
    ]
    assert group.sources_count == {
        "territories": 1,
        "roles": 1,
        "groups": 0,
        "users": {"inactive": 0, "deleted": 0, "active": 1},
    }
    assert (await groups.sources_count(desk)) == group.sources_count
    assert [s["type"] async for s in groups.sources(desk, type="roles")] == ["roles"]
    assert (await groups.associated_users_count()) == {desk: 3}  # me, mia (role), rita (EMEA)
    assert await groups.grouped_counts(desk) == {"active": 3, "inactive": 0, "deleted": 0}
    assert [g.id async for g in groups.of_user(ids["roamer"])] == [desk]
    assert await groups.associations(desk) == []


async def test_subordinate_roles_widen_a_group(fake: FakeZohoCRM, crm: zc.ZohoCRM) -> None:
    ids = await _setup(crm, fake)
    ceo = ids["roles"]["CEO"]
    made = await crm.user_groups.create(
        [
            {"name": "Top", "sources": [{"type": "roles", "source": {"id": ceo}}]},
            {
                "name": "Top down",
                "sources": [{"type": "roles", "source": {"id": ceo}, "subordinates": True}],
            },
        ]
    )
    top, top_down = (i or "" for i in made.ids)
    counts = await crm.user_groups.associated_users_count()
    assert counts[top] == 1  # the admin, CEO
    assert counts[top_down] == 3  # and mia (Manager) and rita (Sales) below


async def test_update_one_and_many_list_pages_delete_as_a_job(
    fake: FakeZohoCRM, crm: zc.ZohoCRM
) -> None:
    me = (await crm.users.current()).id
    made = await crm.user_groups.create(
        [
            {"name": f"Group {n}", "sources": [{"type": "users", "source": {"id": me}}]}
            for n in range(3)
        ]
    )
    first, second, third = (i or "" for i in made.ids)
    before = requests_to(fake, "PUT /crm/{version}/settings/user_groups/{group}")
    assert (await crm.user_groups.update([{"id": first, "description": "One"}]))[0].ok
    assert requests_to(fake, "PUT /crm/{version}/settings/user_groups/{group}") == before + 1
    many = await crm.user_groups.update(
        [{"id": second, "name": "Second"}, {"id": third, "name": "second"}]
    )
    assert [r.code for r in many] == ["SUCCESS", "DUPLICATE_DATA"]
    page = await crm.user_groups.list(per_page=2)
    assert len(page.items) == 2 and page.info.more_records
    assert [g.name async for g in crm.user_groups.list(name="second")] == ["Second"]
    deleted = await crm.user_groups.delete(third)
    assert deleted.code == "SCHEDULED"
    status = await crm.user_groups.deletion_status(deleted.details["job_id"])
    assert status.done and status.status == "COMPLETED"
    assert [g.id async for g in crm.user_groups.list()] == [first, second]
    with pytest.raises(zc.EmptyResultError):
        await crm.user_groups.get(third)


async def test_user_groups_came_with_v4(crm_v2: zc.ZohoCRM) -> None:
    with pytest.raises(zc.APIError) as refused:
        await crm_v2.user_groups.list()
    assert refused.value.code == "API_NOT_SUPPORTED"
    assert refused.value.details == {"supported_version": 4.0}


async def test_bad_input_is_refused_before_sending(fake: FakeZohoCRM, crm: zc.ZohoCRM) -> None:
    sent = fake.stats.api_requests
    with pytest.raises(zc.InvalidArgumentError, match=r"user_groups\[0\]\['sources'\]\[0\]"):
        await crm.user_groups.create([{"name": "X", "sources": [{"type": "teams"}]}])
    with pytest.raises(zc.InvalidArgumentError, match=r"\['sources'\]\[0\] source id None"):
        await crm.user_groups.create([{"name": "X", "sources": [{"type": "users"}]}])
    with pytest.raises(zc.InvalidArgumentError, match="type must be one of"):
        crm.user_groups.sources("1", type="teams")
    with pytest.raises(zc.InvalidArgumentError, match="group_by must name a user key"):
        await crm.user_groups.grouped_counts("1", group_by="")
    with pytest.raises(zc.InvalidArgumentError, match="user group id 'desk'"):
        await crm.user_groups.delete("desk")
    assert fake.stats.api_requests == sent

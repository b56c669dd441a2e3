"""``crm.contact_roles``: the roles contacts play in deals, on API v2 and v8."""

from __future__ import annotations

import pytest

import zcrm_async as zc

pytestmark = pytest.mark.anyio


async def test_an_org_starts_with_zohos_roles_in_sequence(any_crm: zc.ZohoCRM) -> None:
    roles = await any_crm.contact_roles.list()
    assert "Decision Maker" in {r.name for r in roles}
    numbers = [r.sequence_number for r in roles]
    assert numbers == sorted(numbers)  # type: ignore[type-var]
    one = await any_crm.contact_roles.get(roles[0].id or "")
    assert one.name == roles[0].name


async def test_create_update_delete_with_per_role_results(any_crm: zc.ZohoCRM) -> None:
    roles = any_crm.contact_roles
    made = await roles.create(
        [
            {"name": "Champion", "sequence_number": 1},
            {"name": "decision maker"},  # a name taken, whatever its case
            zc.ContactRole(name="Gatekeeper"),
        ]
    )
    assert [r.ok for r in made] == [True, False, True]
    assert made[1].code == "INVALID_DATA" and made[1].details["api_name"] == "name"
    champion, gatekeeper = str(made[0].id), str(made[2].id)
    updated = await roles.update(
        [{"id": champion, "name": "Sponsor"}, {"id": "5725767000009999999", "name": "Ghost"}]
    )
    assert [r.ok for r in updated] == [True, False]
    assert (await roles.get(champion)).name == "Sponsor"
    deleted = await roles.delete([champion, gatekeeper])
    assert [r.message for r in deleted] == ["contact role deleted"] * 2
    with pytest.raises(zc.EmptyResultError):
        await roles.get(champion)


async def test_names_are_mandatory_and_at_most_50_characters(crm: zc.ZohoCRM) -> None:
    results = await crm.contact_roles.create([{"name": ""}, {"name": "x" * 51}])
    assert [r.code for r in results] == ["MANDATORY_NOT_FOUND", "INVALID_DATA"]
    assert results[1].details["maximum_length"] == 50


async def test_updates_need_ids(crm: zc.ZohoCRM) -> None:
    with pytest.raises(zc.InvalidArgumentError, match=r"roles\[0\]\['id'\]"):
        await crm.contact_roles.update([{"name": "No id"}])
    with pytest.raises(zc.InvalidArgumentError, match="not a Zoho id"):
        await crm.contact_roles.delete(["first"])

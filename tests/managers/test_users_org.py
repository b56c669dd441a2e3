"""Users (create, update, delete, search, count), roles, profiles, org taxes, variables."""

from __future__ import annotations

from datetime import datetime

import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

pytestmark = pytest.mark.anyio


async def _role_and_profile(crm: zc.ZohoCRM) -> tuple[zc.Role, zc.Profile]:
    roles = await crm.roles.list()
    profiles = await crm.profiles.list()
    manager = next(r for r in roles if r.name == "Manager")
    standard = next(p for p in profiles if p.name == "Standard")
    return manager, standard


async def test_roles_and_profiles(any_crm: zc.ZohoCRM) -> None:
    roles = await any_crm.roles.list()
    ceo = next(r for r in roles if r.name == "CEO")
    manager = next(r for r in roles if r.name == "Manager")
    assert ceo.reporting_to is None and ceo.admin_user is True
    assert isinstance(manager.reporting_to, zc.Lookup)
    assert (manager.reporting_to.name, manager.reporting_to.id) == ("CEO", ceo.id)
    assert isinstance(ceo.created_time, datetime) and ceo.created_time.tzinfo is not None
    assert (await any_crm.roles.get(manager.id or "")).to_dict() == manager.to_dict()
    profiles = await any_crm.profiles.list()
    admin = next(p for p in profiles if p.name == "Administrator")
    one = await any_crm.profiles.get(admin.id or "")
    assert one.name == "Administrator" and one.data["permissions_details"] == []
    with pytest.raises(zc.EmptyResultError):
        await any_crm.roles.get("5725767000000999999")
    with pytest.raises(ValueError, match="role id 'CEO' is not a Zoho id"):
        await any_crm.roles.get("CEO")


async def test_user_create_update_delete(any_crm: zc.ZohoCRM) -> None:
    role, profile = await _role_and_profile(any_crm)
    created = await any_crm.users.create(
        [
            {
                "first_name": "Grace",
                "last_name": "Hopper",
                "email": "grace@example.com",
                "role": role.id,
                "profile": {"id": profile.id},
            },
            {"last_name": "NoEmail", "role": role.id, "profile": profile.id},
            {
                "last_name": "Dup",
                "email": "GRACE@example.com",
                "role": role.id,
                "profile": profile.id,
            },
        ]
    )
    assert [r.status for r in created] == ["success", "error", "error"]
    assert created[1].code == "MANDATORY_NOT_FOUND" and created[1].details["api_name"] == "email"
    assert created[2].code == "DUPLICATE_DATA"
    user_id = created.ids[0]
    assert user_id is not None
    user = await any_crm.users.get(user_id)
    assert (user.full_name, user.email) == ("Grace Hopper", "grace@example.com")
    assert user.role is not None and user.role.name == "Manager" and user.role["id"] == role.id

    updated = await any_crm.users.update([{"id": user_id, "first_name": "Amazing Grace"}])
    assert updated[0].ok and updated[0].message == "User updated"
    assert (await any_crm.users.get(user_id)).full_name == "Amazing Grace Hopper"
    bad = await any_crm.users.update([{"id": user_id, "email": "new@example.com"}])
    assert bad[0].code == "INVALID_DATA" and bad[0].details["api_name"] == "email"

    deleted = await any_crm.users.delete(user_id)
    assert deleted.ok and deleted.id == user_id
    assert user_id in [u.id async for u in any_crm.users.list(type="DeletedUsers")]
    assert user_id not in [u.id async for u in any_crm.users.list(type="ActiveUsers")]
    again = await any_crm.users.delete(user_id)
    assert again.code == "INVALID_DATA"


async def test_user_writes_check_input_client_side(crm: zc.ZohoCRM) -> None:
    with pytest.raises(ValueError, match=r"users\[0\]\['id'\] None is not a Zoho id"):
        await crm.users.update([{"first_name": "x"}])
    with pytest.raises(ValueError, match="user id 'me' is not a Zoho id"):
        await crm.users.delete("me")
    with pytest.raises(TypeError, match=r"users\[0\] is str"):
        await crm.users.create(["grace@example.com"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="type must be one of"):
        await crm.users.count(type="Everyone")


async def test_user_search_and_count(any_crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    fake.add_user("ada.lovelace@example.com")
    fake.add_user("alan.turing@example.com", status="disabled")
    assert await any_crm.users.count() == 3
    assert await any_crm.users.count(type="ActiveUsers") == 2
    found = [u.email async for u in any_crm.users.search("(email:starts_with:ada)")]
    assert found == ["ada.lovelace@example.com"]
    active = any_crm.users.search("(email:starts_with:a)", type="ActiveUsers")
    assert sorted([u.email or "" async for u in active]) == [
        "ada.lovelace@example.com",
        "admin@example.com",
    ]
    assert (await any_crm.users.search("(last_name:equals:Nobody)")).items == []
    with pytest.raises(zc.APIError) as caught:
        await any_crm.users.search("(nickname:equals:x)")
    assert caught.value.code == "INVALID_QUERY"


async def test_taxes_crud(any_crm: zc.ZohoCRM) -> None:
    taxes = any_crm.org.taxes
    assert await taxes.list() == []
    created = await taxes.create([{"name": "VAT", "value": 20}, {"name": "GST", "value": 5.5}])
    assert created.ids[0] is not None and not created.failed
    listed = await taxes.list()
    assert [(t.name, t.value, t.display_label) for t in listed] == [
        ("VAT", 20, "VAT - 20 %"),
        ("GST", 5.5, "GST - 5.5 %"),
    ]
    dup = await taxes.create([{"name": "vat", "value": 1}, {"name": "Bad", "value": 150}])
    assert [r.code for r in dup] == ["DUPLICATE_DATA", "INVALID_DATA"]
    vat_id = created.ids[0] or ""
    assert (await taxes.update([{"id": vat_id, "value": 21}]))[0].ok
    assert (await taxes.get(vat_id)).value == 21
    removed = await taxes.delete([vat_id, "5725767000000999999"])
    assert [r.status for r in removed] == ["success", "error"]
    assert [t.name for t in await taxes.list()] == ["GST"]


async def test_variables_and_groups(any_crm: zc.ZohoCRM) -> None:
    [general] = await any_crm.variables.groups()
    assert (general.api_name, general.name) == ("General", "General")
    assert (await any_crm.variables.group("General")).id == general.id
    created = await any_crm.variables.create(
        [
            {
                "name": "Tagline",
                "type": "text",
                "value": "Hi",
                "variable_group": {"id": general.id},
            },
            {
                "name": "Max Seats",
                "type": "integer",
                "value": "ten",
                "variable_group": {"api_name": "General"},
            },
            {"name": "Orphan", "type": "text"},
        ]
    )
    assert [r.status for r in created] == ["success", "error", "error"]
    assert created[1].details["api_name"] == "value"
    assert created[2].code == "MANDATORY_NOT_FOUND"
    tagline = await any_crm.variables.get("Tagline")
    assert (tagline.value, tagline.type) == ("Hi", "text")
    assert tagline.variable_group is not None and tagline.variable_group.id == general.id
    assert [v.api_name for v in await any_crm.variables.list(group="General")] == ["Tagline"]
    assert (await any_crm.variables.update([{"id": tagline.id, "value": "Hello"}]))[0].ok
    assert (await any_crm.variables.get(tagline.id or "")).value == "Hello"
    assert (await any_crm.variables.delete([tagline.id or ""]))[0].ok
    assert await any_crm.variables.list() == []
    with pytest.raises(ValueError, match="neither a Zoho id nor an API name"):
        await any_crm.variables.get("no spaces please")

"""Org taxes, contact roles, variables, roles, profiles and users on the shared ``Collection``:
the paths one item's writes take, misses and bad input (what the CRUD tests leave out)."""

from __future__ import annotations

import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

from .conftest import requests_to

pytestmark = pytest.mark.anyio

UNKNOWN = "5725767000000999999"


def served(fake: FakeZohoCRM, *routes: str) -> list[int]:
    """How many requests the fake served on each of ``routes``."""
    return [requests_to(fake, route) for route in routes]


async def test_one_contact_role_is_written_at_its_own_path(
    any_crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    roles = any_crm.contact_roles
    routes = ("PUT /crm/{version}/Contacts/roles/{id}", "PUT /crm/{version}/Contacts/roles")
    made = await roles.create([{"name": "Champion"}, {"name": "Sponsor"}])
    champion, sponsor = str(made[0].id), str(made[1].id)
    [renamed] = await roles.update([zc.ContactRole(id=champion, name="Coach")])
    assert renamed.ok and served(fake, *routes) == [1, 0]
    assert (await roles.get(champion)).name == "Coach"
    routes = ("DELETE /crm/{version}/Contacts/roles/{id}", "DELETE /crm/{version}/Contacts/roles")
    [gone] = await roles.delete(sponsor)
    assert gone.ok and served(fake, *routes) == [1, 0]
    with pytest.raises(zc.EmptyResultError, match=f"no contact role with id {sponsor}"):
        await roles.get(sponsor)


async def test_contact_role_errors_name_the_argument_and_the_id(crm: zc.ZohoCRM) -> None:
    with pytest.raises(zc.InvalidArgumentError, match=r"^roles\[1\] is int"):
        await crm.contact_roles.create([{"name": "Fine"}, 7])  # type: ignore[list-item]
    with pytest.raises(zc.InvalidArgumentError, match="contact role id 'x1'"):
        await crm.contact_roles.get("x1")


async def test_one_tax_is_written_at_the_taxes_path(any_crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    taxes = any_crm.org.taxes
    [vat] = (await taxes.create([zc.Tax(name="VAT", value=20)])).ids
    assert vat is not None
    assert (await taxes.update([{"id": vat, "value": 19}]))[0].ok
    assert served(fake, "PUT /crm/{version}/org/taxes") == [1]
    [gone] = await taxes.delete([vat])
    assert gone.ok and gone.id == vat
    assert served(fake, "DELETE /crm/{version}/org/taxes") == [1]
    assert await taxes.list() == []
    with pytest.raises(zc.EmptyResultError, match=f"no tax with id {vat}"):
        await taxes.get(f" {vat} ")  # the id as checked: stripped
    with pytest.raises(zc.InvalidArgumentError, match="tax id 'VAT'"):
        await taxes.get("VAT")
    with pytest.raises(zc.InvalidArgumentError, match=r"taxes\[0\]\['id'\]"):
        await taxes.update([{"value": 1}])


async def test_one_variable_is_written_at_the_variables_path(
    any_crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    variables = any_crm.variables
    general = (await variables.group("General")).id
    item = {"name": "Seats", "type": "integer", "value": 5, "variable_group": {"id": general}}
    [made] = await variables.create([item])
    assert made.ok
    seats = str(made.id)
    assert (await variables.update([{"id": seats, "value": 6}]))[0].ok
    assert (await variables.delete([seats]))[0].ok
    by_id = (
        "PUT /crm/{version}/settings/variables/{id}",
        "DELETE /crm/{version}/settings/variables/{id}",
    )
    whole = ("PUT /crm/{version}/settings/variables", "DELETE /crm/{version}/settings/variables")
    assert served(fake, *by_id) == [0, 0] and served(fake, *whole) == [1, 1]
    with pytest.raises(zc.EmptyResultError, match="no variable 'Seats'"):
        await variables.get("Seats", group="General")
    with pytest.raises(zc.EmptyResultError, match="no variable group 'Sales'"):
        await variables.group("Sales")
    before = fake.stats.api_requests
    with pytest.raises(zc.InvalidArgumentError, match="group 'no spaces'"):
        await variables.list(group="no spaces")
    assert fake.stats.api_requests == before  # refused before any request


async def test_roles_and_profiles_misses_and_bad_ids(any_crm: zc.ZohoCRM) -> None:
    with pytest.raises(zc.EmptyResultError, match=f"no role with id {UNKNOWN}"):
        await any_crm.roles.get(UNKNOWN)
    with pytest.raises(zc.EmptyResultError, match=f"no profile with id {UNKNOWN}"):
        await any_crm.profiles.get(int(UNKNOWN))
    with pytest.raises(zc.InvalidArgumentError, match="role id 'CEO'"):
        await any_crm.roles.get("CEO")
    with pytest.raises(zc.InvalidArgumentError, match="profile id None"):
        await any_crm.profiles.get(None)  # type: ignore[arg-type]


async def test_one_user_is_updated_at_the_users_path_and_deleted_at_its_own(
    any_crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    users = any_crm.users
    role = next(r for r in await any_crm.roles.list() if r.name == "Manager")
    profile = next(p for p in await any_crm.profiles.list() if p.name == "Standard")
    item = {"last_name": "Lamarr", "email": "hedy@example.com", "role": role.id}
    [made] = await users.create([{**item, "profile": profile.id}])
    hedy = str(made.id)
    assert (await users.update([{"id": hedy, "first_name": "Hedy"}]))[0].ok
    routes = ("PUT /crm/{version}/users", "PUT /crm/{version}/users/{id}")
    assert served(fake, *routes) == [1, 0]
    assert (await users.delete(hedy)).ok
    assert served(fake, "DELETE /crm/{version}/users/{id}") == [1]


@pytest.mark.parametrize("per_page", [0, 201, True, 50.0])
async def test_user_pages_check_per_page(crm: zc.ZohoCRM, per_page: object) -> None:
    with pytest.raises(zc.InvalidArgumentError, match=f"per_page must be .*got {per_page!r}"):
        crm.users.list(per_page=per_page)  # type: ignore[arg-type]
    with pytest.raises(zc.InvalidArgumentError, match="per_page must be"):
        crm.users.search("(email:starts_with:a)", per_page=per_page)  # type: ignore[arg-type]

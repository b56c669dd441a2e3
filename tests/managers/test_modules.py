"""``crm.modules``: modules, fields, layouts, custom views, related lists; the per-client cache."""

from __future__ import annotations

import anyio
import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

from .conftest import requests_to

pytestmark = pytest.mark.anyio

FIELDS_ROUTE = "GET /crm/{version}/settings/fields"
MODULES_ROUTE = "GET /crm/{version}/settings/modules"


async def test_modules_report_status_on_v5_and_visible_before(any_crm: zc.ZohoCRM) -> None:
    modules = await any_crm.modules.list()
    leads = next(m for m in modules if m.api_name == "Leads")
    assert isinstance(leads, zc.Module) and leads.plural_label == "Leads" and leads.is_visible
    if any_crm.config.api_version == "v8":
        # v5 added status; v8 answers still carry visible (modules.json marks it required).
        assert (leads.status, leads.data["visible"]) == ("visible", True)
    else:
        assert (leads.status, leads.visible) == (None, True)
    assert {m.api_name for m in await any_crm.modules.list(status="visible")} >= {"Leads"}
    assert await any_crm.modules.list(status="user_hidden") == []


async def test_module_get_and_bad_names(crm: zc.ZohoCRM) -> None:
    module = await crm.modules.get("Deals")
    assert module.api_name == "Deals" and module.singular_label == "Deal"
    assert any(f["api_name"] == "Stage" for f in module.data["fields"])
    with pytest.raises(zc.APIError) as caught:
        await crm.modules.get("Nope")
    assert caught.value.code == "INVALID_MODULE"
    with pytest.raises(ValueError, match="'Le ads' is not a module API name"):
        await crm.modules.fields("Le ads")
    with pytest.raises(ValueError, match="status must be one of"):
        await crm.modules.list(status="hidden")


async def test_fields_by_name_and_by_id(any_crm: zc.ZohoCRM) -> None:
    fields = await any_crm.modules.fields("Contacts")
    account = next(f for f in fields if f.api_name == "Account_Name")
    assert (account.data_type, account.lookup_module) == ("lookup", "Accounts")
    assert isinstance(account.lookup, zc.Lookup)
    by_name = await any_crm.modules.field("Contacts", "Last_Name")
    assert by_name.system_mandatory is True and by_name.length == 80
    assert by_name.id is not None
    by_id = await any_crm.modules.field("Contacts", by_name.id)
    assert by_id.to_dict() == by_name.to_dict()
    with pytest.raises(ValueError, match=r"module 'Contacts' has no field 'Nickname'"):
        await any_crm.modules.field("Contacts", "Nickname")
    with pytest.raises(zc.EmptyResultError) as missing:
        await any_crm.modules.field("Contacts", "5725767000000999999")
    assert missing.value.status_code == 204 and not isinstance(missing.value, zc.NotFoundError)
    assert "Email" in await any_crm.modules.field_names("Contacts")


async def test_layouts_custom_views_and_related_lists(any_crm: zc.ZohoCRM) -> None:
    [layout] = await any_crm.modules.layouts("Leads")
    assert layout.name == "Standard" and layout.created_time is not None
    assert layout.created_time.tzinfo is not None
    section_fields = {f["api_name"] for f in layout.sections[0]["fields"]}  # type: ignore[index]
    assert {"Last_Name", "Email"} <= section_fields
    assert (await any_crm.modules.layout("Leads", layout.id or "")).id == layout.id

    views = await any_crm.modules.custom_views("Leads")
    assert [v.system_name for v in views] == ["ALLVIEWS", "MYVIEWS", "RECENTLYCREATED"]
    assert views[0].default is True and views[0].module is not None
    assert views[0].module.api_name == "Leads"
    one = await any_crm.modules.custom_view("Leads", views[1].id or "")
    assert one.name == "My Leads"

    related = await any_crm.modules.related_lists("Accounts")
    names = [r.api_name for r in related]
    assert {"Contacts", "Deals", "Notes", "Attachments"} <= set(names)
    rl = await any_crm.modules.related_list("Accounts", related[0].id or "")
    assert rl.api_name == related[0].api_name
    with pytest.raises(ValueError, match="is not a Zoho id"):
        await any_crm.modules.layout("Leads", "Standard")


async def test_custom_view_ids_work_as_cvid(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    fake.add_records("Leads", [{"Last_Name": "Smith"}])
    views = await crm.modules.custom_views("Leads")
    page = await crm.records("Leads").list(fields=["Last_Name"], cvid=views[0].id)
    assert [r["Last_Name"] for r in page] == ["Smith"]


async def test_lists_are_fetched_once_per_client(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    fake.stats.reset()
    for _ in range(3):
        await crm.modules.fields("Leads")
        await crm.modules.list()
    other = crm.as_user(fake.add_user("other@example.com")["email"])
    assert len(await other.modules.fields("Leads")) > 10
    assert requests_to(fake, FIELDS_ROUTE) == 1
    assert requests_to(fake, MODULES_ROUTE) == 1
    await crm.modules.fields("Deals")  # another module: its own fetch
    assert requests_to(fake, FIELDS_ROUTE) == 2


async def test_concurrent_first_calls_fetch_once(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    fake.stats.reset()
    fake.latency = 0.02
    results: list[list[zc.Field]] = []

    async def fetch() -> None:
        results.append(await crm.modules.fields("Leads"))

    async with anyio.create_task_group() as group:
        for _ in range(25):
            group.start_soon(fetch)
    assert requests_to(fake, FIELDS_ROUTE) == 1
    assert len(results) == 25 and all(r == results[0] for r in results)


async def test_clear_cache_and_refresh_fetch_again(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    fake.stats.reset()
    await crm.modules.fields("Leads")
    await crm.modules.fields("Deals")
    crm.modules.clear_cache("Leads")
    await crm.modules.fields("Leads")
    await crm.modules.fields("Deals")
    assert requests_to(fake, FIELDS_ROUTE) == 3
    await crm.modules.refresh("Deals")
    assert requests_to(fake, FIELDS_ROUTE) == 4
    assert requests_to(fake, MODULES_ROUTE) == 1
    crm.modules.clear_cache()
    await crm.modules.fields("Leads")
    assert requests_to(fake, FIELDS_ROUTE) == 5


async def test_a_failed_fetch_is_not_cached(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    fake.fail_next(400, code="INVALID_DATA", path="/settings/fields")
    with pytest.raises(zc.APIError):
        await crm.modules.fields("Leads")
    assert len(await crm.modules.fields("Leads")) > 10


async def test_metadata_endpoints_need_the_module_param(fake: FakeZohoCRM) -> None:
    import httpx

    token = fake.issue_tokens()["access_token"]
    async with httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as http:
        headers = {"Authorization": f"Zoho-oauthtoken {token}"}
        for path in ("layouts", "custom_views", "related_lists", "fields"):
            missing = await http.get(f"/crm/v8/settings/{path}", headers=headers)
            assert missing.status_code == 400
            assert missing.json()["code"] == "REQUIRED_PARAM_MISSING"
            wrong = await http.get(f"/crm/v8/settings/{path}?module=Nope", headers=headers)
            assert wrong.json()["code"] == "INVALID_MODULE"

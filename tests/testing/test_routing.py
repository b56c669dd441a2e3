"""Authentication, URL and method errors, users, org and metadata."""

from __future__ import annotations

import random

import httpx
import pytest

from zcrm_async.testing import FakeZohoCRM
from zcrm_async.testing._handlers import API_ROUTES, BULK_ROUTES, DOWNLOAD_ROUTES
from zcrm_async.testing._routes import ApiRoute, RouteTable

from .conftest import Api

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    "header", [None, "Bearer 1000.a.b", "Zoho-oauthtoken ", "zoho-oauthtoken 1000.a.b"]
)
async def test_missing_or_malformed_header_is_authentication_failure(
    http: httpx.AsyncClient, header: str | None
) -> None:
    headers = {"Authorization": header} if header is not None else {}
    response = await http.get("/crm/v8/Leads/1", headers=headers)
    assert response.status_code == 401
    assert response.json() == {
        "code": "AUTHENTICATION_FAILURE",
        "details": {},
        "message": "Authentication failed",
        "status": "error",
    }


async def test_unknown_token_is_invalid_token(http: httpx.AsyncClient) -> None:
    headers = {"Authorization": "Zoho-oauthtoken 1000.unknown.token"}
    response = await http.get("/crm/v8/org", headers=headers)
    assert response.status_code == 401
    assert response.json() == {
        "code": "INVALID_TOKEN",
        "details": {},
        "message": "invalid oauth token",
        "status": "error",
    }


async def test_scope_mismatch(fake: FakeZohoCRM, http: httpx.AsyncClient) -> None:
    tokens = fake.issue_tokens(scopes=["ZohoCRM.modules.ALL"])
    headers = {"Authorization": f"Zoho-oauthtoken {tokens['access_token']}"}
    assert (await http.get("/crm/v8/org", headers=headers)).json()["code"] == "OAUTH_SCOPE_MISMATCH"
    assert (await http.get("/crm/v8/Leads/1", headers=headers)).status_code == 204


@pytest.mark.parametrize("path", ["/crm/v9/org", "/crm/v8/Leads/1/Nope/2/x", "/crm/v8"])
async def test_unknown_url_is_invalid_url_pattern(api: Api, path: str) -> None:
    response = await api.http.get(path, headers=api.auth)
    assert response.status_code == 404
    assert response.json()["code"] == "INVALID_URL_PATTERN"


async def test_wrong_method_is_invalid_request_method(api: Api) -> None:
    response = await api.delete("/org")
    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_REQUEST_METHOD"
    assert (await api.get("/Leads/upsert")).json()["code"] == "INVALID_REQUEST_METHOD"


@pytest.mark.parametrize("module", ["Leadz", "leads"])
async def test_unknown_module(api: Api, module: str) -> None:
    response = await api.get(f"/{module}", params={"fields": "Last_Name"})
    assert response.status_code == 400
    assert response.json() == {
        "code": "INVALID_MODULE",
        "details": {"resource_path_index": 0},
        "message": "the module name given seems to be invalid",
        "status": "error",
    }


@pytest.mark.parametrize("version", ["v2", "v2.1", "v3", "v4", "v5", "v6", "v7", "v8"])
async def test_every_version_is_served(api: Api, version: str) -> None:
    assert (await api.at(version).get("/org")).status_code == 200


async def test_users(fake: FakeZohoCRM, api: Api) -> None:
    fake.add_user("sam.lee@example.com", status="disabled")
    current = (await api.get("/users", params={"type": "CurrentUser"})).json()
    assert [u["email"] for u in current["users"]] == ["admin@example.com"]
    assert current["info"] == {"per_page": 200, "count": 1, "page": 1, "more_records": False}
    user = current["users"][0]
    for key in ("id", "full_name", "first_name", "last_name", "role", "profile", "status", "zuid"):
        assert key in user
    assert len(user["id"]) == 19 and user["id"].isdigit()
    everyone = (await api.get("/users", params={"type": "AllUsers"})).json()["users"]
    assert len(everyone) == 2
    active = (await api.get("/users", params={"type": "ActiveUsers"})).json()["users"]
    assert [u["email"] for u in active] == ["admin@example.com"]
    admins = (await api.get("/users", params={"type": "AdminUsers"})).json()["users"]
    assert [u["email"] for u in admins] == ["admin@example.com"]
    one = await api.get(f"/users/{everyone[1]['id']}")
    assert one.json()["users"][0]["email"] == "sam.lee@example.com"
    assert (await api.get("/users/5725767000000999999")).status_code == 204
    assert (await api.get("/users", params={"type": "Nobody"})).status_code == 400


async def test_org(api: Api) -> None:
    org = (await api.get("/org")).json()["org"]
    assert len(org) == 1
    for key in ("id", "company_name", "primary_email", "domain_name", "zgid", "time_zone"):
        assert org[0][key]
    assert {"currency", "country_code", "type"} <= set(org[0])


async def test_modules_and_fields_metadata(api: Api) -> None:
    modules = (await api.get("/settings/modules")).json()["modules"]
    names = {m["api_name"] for m in modules}
    assert {"Leads", "Contacts", "Accounts", "Deals", "Sales_Orders", "Notes"} <= names
    fields = (await api.get("/settings/fields", params={"module": "Leads"})).json()["fields"]
    by_name = {f["api_name"]: f for f in fields}
    assert by_name["Last_Name"]["system_mandatory"] is True
    assert by_name["Last_Name"]["length"] == 80
    assert by_name["Email"]["data_type"] == "email"
    assert by_name["No_of_Employees"]["data_type"] == "integer"
    assert by_name["Owner"]["data_type"] == "ownerlookup"
    deals = (await api.get("/settings/modules/Deals")).json()["modules"][0]
    assert {f["api_name"] for f in deals["fields"]} >= {"Deal_Name", "Stage", "Closing_Date"}
    missing = await api.get("/settings/fields")
    assert missing.json()["code"] == "REQUIRED_PARAM_MISSING"


@pytest.mark.parametrize("routes", [API_ROUTES, BULK_ROUTES, DOWNLOAD_ROUTES])
def test_the_route_table_finds_what_a_scan_of_every_route_finds(
    routes: tuple[ApiRoute, ...],
) -> None:
    """Looked up by length and first segment, a path still gets the first route that fits it
    in the table's order (``/{module}/search`` before ``/{module}/{id}``)."""
    table = RouteTable(routes)

    def scan(segments: list[str]) -> tuple[ApiRoute | None, dict[str, str]]:
        for route in routes:
            params = route.match(segments)
            if params is not None:
                return route, params
        return None, {}

    literals = sorted({part for route in routes for part in route.parts if part[:1] != "{"})
    rng = random.Random(7)
    paths = [[], [""], ["Leads"], ["no", "such", "route", "here", "at", "all"]]
    for route in routes:
        paths.append([part if part[:1] != "{" else "Leads" for part in route.parts])
        for _ in range(20):
            paths.append(
                [
                    part if part[:1] != "{" and rng.random() < 0.7 else rng.choice(literals)
                    for part in route.parts
                ]
            )
    assert sum(scan(path)[0] is not None for path in paths) > len(routes)
    for path in paths:
        assert table.match(path) == scan(path), path

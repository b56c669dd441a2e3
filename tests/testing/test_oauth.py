"""The accounts server: grant, refresh, revoke, errors, throttling, user info."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from zcrm_async.testing import FakeZohoCRM

from .conftest import FakeClock

pytestmark = pytest.mark.anyio

TOKEN = re.compile(r"^1000\.[0-9a-f]{32}\.[0-9a-f]{32}$")


def grant_params(fake: FakeZohoCRM, code: str, **overrides: str) -> dict[str, str]:
    return {
        "grant_type": "authorization_code",
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "redirect_uri": fake.redirect_uri,
        "code": code,
        **overrides,
    }


def refresh_params(fake: FakeZohoCRM, refresh_token: str) -> dict[str, str]:
    return {
        "grant_type": "refresh_token",
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "refresh_token": refresh_token,
    }


async def token(http: httpx.AsyncClient, params: dict[str, str], *, form: bool = True) -> Any:
    if form:
        response = await http.post("/oauth/v2/token", data=params)
    else:
        response = await http.post("/oauth/v2/token", params=params)
    assert response.status_code == 200  # Zoho's token errors are HTTP 200 too
    return response.json()


async def test_grant_code_exchange_in_form_body(fake: FakeZohoCRM, http: httpx.AsyncClient) -> None:
    answer = await token(http, grant_params(fake, fake.issue_grant_code()))
    assert set(answer) == {
        "access_token",
        "refresh_token",
        "api_domain",
        "token_type",
        "expires_in",
    }
    assert TOKEN.match(answer["access_token"]) and TOKEN.match(answer["refresh_token"])
    assert answer["api_domain"] == fake.base_url
    assert answer["token_type"] == "Bearer"
    assert answer["expires_in"] == 3600
    assert fake.stats.token_mints == 1 and fake.stats.token_requests == 1


async def test_grant_code_exchange_in_query_string(
    fake: FakeZohoCRM, http: httpx.AsyncClient
) -> None:
    answer = await token(http, grant_params(fake, fake.issue_grant_code()), form=False)
    assert "refresh_token" in answer


async def test_grant_code_works_once(fake: FakeZohoCRM, http: httpx.AsyncClient) -> None:
    code = fake.issue_grant_code()
    assert "access_token" in await token(http, grant_params(fake, code))
    assert await token(http, grant_params(fake, code)) == {"error": "invalid_code"}


async def test_grant_code_expires(
    fake: FakeZohoCRM, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    code = fake.issue_grant_code()
    clock.advance(181)
    assert await token(http, grant_params(fake, code)) == {"error": "invalid_code"}


@pytest.mark.parametrize(
    ("override", "error"),
    [
        ({"client_id": "1000.OTHER"}, "invalid_client"),
        ({"client_secret": "wrong"}, "invalid_client_secret"),
        ({"redirect_uri": "http://elsewhere/cb"}, "invalid_redirect_uri"),
        ({"code": "1000.nope.nope"}, "invalid_code"),
        ({"grant_type": "password"}, "unsupported_grant_type"),
    ],
)
async def test_token_errors_are_200_with_error(
    fake: FakeZohoCRM, http: httpx.AsyncClient, override: dict[str, str], error: str
) -> None:
    params = {**grant_params(fake, fake.issue_grant_code()), **override}
    assert await token(http, params) == {"error": error}
    assert fake.stats.token_mints == 0


async def test_refresh_gives_access_token_only(
    fake: FakeZohoCRM, http: httpx.AsyncClient, tokens: dict[str, Any]
) -> None:
    answer = await token(http, refresh_params(fake, tokens["refresh_token"]))
    assert set(answer) == {"access_token", "api_domain", "token_type", "expires_in"}
    assert answer["access_token"] != tokens["access_token"]
    assert fake.stats.token_mints == 1  # issue_tokens() is not counted


async def test_unknown_refresh_token_is_invalid_code(
    fake: FakeZohoCRM, http: httpx.AsyncClient
) -> None:
    assert await token(http, refresh_params(fake, "1000.a.b")) == {"error": "invalid_code"}


async def test_refresh_throttled_after_ten_in_ten_minutes(
    fake: FakeZohoCRM, http: httpx.AsyncClient, tokens: dict[str, Any], clock: FakeClock
) -> None:
    params = refresh_params(fake, tokens["refresh_token"])
    for _ in range(10):
        assert "access_token" in await token(http, params)
        clock.advance(30)
    denied = await token(http, params)
    assert denied == {
        "error_description": "You have made too many requests continuously. "
        "Please try again after some time.",
        "error": "Access Denied",
        "status": "failure",
    }
    clock.advance(600 - 30 * 10 + 31)  # the first two mints leave the rolling window
    assert "access_token" in await token(http, params)
    assert fake.stats.token_mints == 11


async def test_sixteenth_access_token_evicts_the_oldest(
    fake: FakeZohoCRM, http: httpx.AsyncClient, tokens: dict[str, Any], clock: FakeClock
) -> None:
    fake.limits.access_tokens_per_window = 100
    params = refresh_params(fake, tokens["refresh_token"])
    minted = [tokens["access_token"]]
    for _ in range(15):
        minted.append((await token(http, params))["access_token"])

    async def org_status(access: str) -> int:
        headers = {"Authorization": f"Zoho-oauthtoken {access}"}
        return (await http.get("/crm/v8/org", headers=headers)).status_code

    assert await org_status(minted[0]) == 401
    assert await org_status(minted[1]) == 200
    assert await org_status(minted[-1]) == 200


async def test_access_token_expires_by_lifetime(
    fake: FakeZohoCRM, http: httpx.AsyncClient, auth: dict[str, str], clock: FakeClock
) -> None:
    assert (await http.get("/crm/v8/org", headers=auth)).status_code == 200
    clock.advance(3600)
    response = await http.get("/crm/v8/org", headers=auth)
    assert response.status_code == 401
    assert response.json()["code"] == "INVALID_TOKEN"


async def test_expire_access_tokens(
    fake: FakeZohoCRM, http: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    fake.expire_access_tokens()
    assert (await http.get("/crm/v8/org", headers=auth)).status_code == 401


async def test_revoke_refresh_token_revokes_its_access_tokens(
    fake: FakeZohoCRM, http: httpx.AsyncClient, tokens: dict[str, Any], auth: dict[str, str]
) -> None:
    revoke = await http.post("/oauth/v2/token/revoke", params={"token": tokens["refresh_token"]})
    assert (revoke.status_code, revoke.json()) == (200, {"status": "success"})
    assert (await http.get("/crm/v8/org", headers=auth)).status_code == 401
    refreshed = await token(http, refresh_params(fake, tokens["refresh_token"]))
    assert refreshed == {"error": "invalid_code"}
    again = await http.post("/oauth/v2/token/revoke", data={"token": tokens["refresh_token"]})
    assert again.status_code == 400
    assert again.json()["status"] == "failure"


async def test_user_info(http: httpx.AsyncClient, auth: dict[str, str]) -> None:
    response = await http.get("/oauth/user/info", headers=auth)
    assert response.status_code == 200
    info = response.json()
    assert set(info) == {"First_Name", "Last_Name", "Display_Name", "Email", "ZUID"}
    assert info["Email"] == "admin@example.com"
    bad = await http.get("/oauth/user/info", headers={"Authorization": "Zoho-oauthtoken x"})
    assert bad.status_code == 401


async def test_grant_for_another_user_acts_as_that_user(
    fake: FakeZohoCRM, http: httpx.AsyncClient
) -> None:
    code = fake.issue_grant_code(user_email="jane.doe@example.com")
    answer = await token(http, grant_params(fake, code))
    headers = {"Authorization": f"Zoho-oauthtoken {answer['access_token']}"}
    me = await http.get("/crm/v8/users", params={"type": "CurrentUser"}, headers=headers)
    assert me.json()["users"][0]["email"] == "jane.doe@example.com"
    assert me.json()["users"][0]["full_name"] == "Jane Doe"


async def test_grant_codes_per_client_are_rate_limited(
    fake: FakeZohoCRM, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    for _ in range(10):
        assert "access_token" in await token(http, grant_params(fake, fake.issue_grant_code()))
    code = fake.issue_grant_code()
    assert await token(http, grant_params(fake, code)) == {"error": "access_denied"}
    clock.advance(601)
    assert "access_token" in await token(http, grant_params(fake, fake.issue_grant_code()))


async def test_twenty_first_refresh_token_deletes_the_oldest(
    fake: FakeZohoCRM, http: httpx.AsyncClient
) -> None:
    pairs = [fake.issue_tokens() for _ in range(21)]
    assert await token(http, refresh_params(fake, pairs[0]["refresh_token"])) == {
        "error": "invalid_code"
    }
    assert "access_token" in await token(http, refresh_params(fake, pairs[1]["refresh_token"]))

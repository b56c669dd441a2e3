"""The framework-neutral pieces of Login with Zoho, and refreshing a multi-DC user's tokens."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import httpx
import pytest

import zcrm_async as zc
from tests.integrations.webflow import APP_URL, HOSTILE_NEXT, SECRET
from zcrm_async.integrations import LoginError, WebLogin
from zcrm_async.integrations._web import accounts_server_for, safe_next

CONFIG = zc.Config(
    client_id="1000.ID", client_secret="secret", redirect_uri="https://app.example/zoho/callback"
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, None),
        ({"location": "us", "accounts-server": "https://accounts.zoho.com"}, None),
        (
            {"location": "eu", "accounts-server": "https://accounts.zoho.eu"},
            "https://accounts.zoho.eu",
        ),
        ({"accounts-server": "https://ACCOUNTS.ZOHO.IN/"}, "https://accounts.zoho.in"),
        ({"location": "au"}, "https://accounts.zoho.com.au"),
        ({"location": "us"}, None),
    ],
)
def test_the_accounts_server_zoho_names_is_used(
    query: dict[str, str], expected: str | None
) -> None:
    assert accounts_server_for(CONFIG, query) == expected


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"accounts-server": "https://accounts.zoho.eu.evil.example"}, "not a Zoho accounts"),
        ({"accounts-server": "http://accounts.zoho.eu"}, "not a Zoho accounts"),
        ({"accounts-server": "https://www.zohoapis.eu"}, "not a Zoho accounts"),
        ({"location": "eu", "accounts-server": "https://accounts.zoho.in"}, "does not match"),
        ({"location": "mars"}, "unknown location 'mars'"),
    ],
)
def test_anything_else_is_refused(query: dict[str, str], message: str) -> None:
    with pytest.raises(LoginError, match=message) as caught:
        accounts_server_for(CONFIG, query)
    assert caught.value.status_code == 400


def test_the_configured_accounts_url_is_accepted_even_if_not_zohos() -> None:
    config = zc.Config.from_dict(
        {**_fields(CONFIG), "accounts_url": "http://fake-zoho.test", "allow_untrusted_hosts": True}
    )
    assert accounts_server_for(config, {"accounts-server": "http://fake-zoho.test"}) is None
    with pytest.raises(LoginError):
        accounts_server_for(config, {"accounts-server": "http://other-fake.test"})


def _fields(config: zc.Config) -> dict[str, Any]:
    return {
        "client_id": config.client_id,
        "client_secret": "secret",
        "redirect_uri": config.redirect_uri,
    }


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_next_that_would_leave_the_site_gives_the_default(target: str) -> None:
    assert safe_next(target, "/home") == "/home"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/leads?x=1", "/leads?x=1"),
        (None, "/"),
        ("", "/"),
        ("/a?next=https://evil.example", "/a?next=https://evil.example"),
        ("/a b", "/a%20b"),
        ("/caf\u00e9", "/caf%C3%A9"),
        ("/x\r\nSet-Cookie: a=b", "/xSet-Cookie:%20a=b"),
        ("/reports/%2Fq", "/reports/%2Fq"),
        ("  /leads  ", "/leads"),
    ],
)
def test_next_on_the_site_is_kept_normalised(target: str | None, expected: str) -> None:
    assert safe_next(target, "/") == expected


@pytest.mark.parametrize("target", [*HOSTILE_NEXT, "/x\r\nSet-Cookie: a=b", "/\u2028\u00e9"])
def test_what_safe_next_returns_is_a_same_origin_header_value(target: str) -> None:
    location = safe_next(target, "/")
    location.encode("ascii")  # a header value: never CR/LF, controls or non-ASCII
    assert not any(ord(c) < 0x21 or c == "\x7f" for c in location)
    assert httpx.URL(APP_URL).join(location).host == httpx.URL(APP_URL).host


def test_session_cookies_are_signed_and_expire() -> None:
    login = WebLogin(SECRET, session_max_age=60)
    value = login._sign("session", {"e": "a@example.com"}, 60)
    assert login.user_email(value) == "a@example.com"
    assert WebLogin(SECRET[::-1]).user_email(value) is None  # another key
    assert login.user_email(login._sign("state", {"e": "a@example.com"}, 60)) is None  # purpose
    expired = login._sign("session", {"e": "a@example.com"}, -1)
    assert login.user_email(expired) is None
    signature = value.split(".")[1]
    forged_body = json.dumps({"e": "admin@example.com", "exp": int(time.time()) + 60})
    forged = base64.urlsafe_b64encode(forged_body.encode()).rstrip(b"=").decode()
    assert login.user_email(f"{forged}.{signature}") is None
    for junk in (None, "", "no-dot", "a.b.c", "!!!.???"):
        assert login.user_email(junk) is None
    assert "a@example.com" not in repr(login)


def test_bad_options_are_explained() -> None:
    with pytest.raises(ValueError, match="at least 32 characters"):
        WebLogin("short")
    with pytest.raises(ValueError, match="login_path must be a path"):
        WebLogin(SECRET, login_path="login")
    with pytest.raises(ValueError, match="scopes must name"):
        WebLogin(SECRET, scopes=[])
    with pytest.raises(ValueError, match="after_login must be a plain path"):
        WebLogin(SECRET, after_login="//evil.example")


def test_cookies_are_secure_on_https_and_carry_no_token() -> None:
    crm = zc.ZohoCRM(CONFIG, store=zc.MemoryStore())
    url, cookie = WebLogin(SECRET).begin(crm, "/next")
    assert cookie.secure and cookie.httponly and cookie.samesite == "lax"
    state = httpx.URL(url).params["state"]
    assert state not in cookie.value.split(".")[1]
    assert "state" in httpx.URL(url).params and "value" not in repr(cookie)


@pytest.mark.anyio
async def test_a_multi_dc_users_tokens_refresh_at_its_own_accounts_server() -> None:
    """A user of the EU centre, logged in through a US client, refreshes at accounts.zoho.eu."""
    seen: list[str] = []

    def zoho(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.host}{request.url.path}")
        if request.url.path == "/oauth/v2/token":
            return httpx.Response(
                200,
                json={
                    "access_token": "fresh",
                    "expires_in": 3600,
                    "api_domain": "https://www.zohoapis.eu",
                },
            )
        return httpx.Response(200, json={"users": [{"id": "1", "email": "eva@example.eu"}]})

    store = zc.MemoryStore()
    expired = zc.OAuthTokens(
        user_email="eva@example.eu",
        access_token="old",
        refresh_token="refresh",
        expiry_time=0,
        api_domain="https://www.zohoapis.eu",
    )
    await store.save(expired)
    async with zc.ZohoCRM(CONFIG, store=store, transport=httpx.MockTransport(zoho)) as crm:
        user = await crm.as_user("eva@example.eu").users.current()
    assert user.email == "eva@example.eu"
    assert seen == ["POST accounts.zoho.eu/oauth/v2/token", "GET www.zohoapis.eu/crm/v8/users"]

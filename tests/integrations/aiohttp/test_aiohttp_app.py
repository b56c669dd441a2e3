"""The aiohttp integration end to end with pytest-aiohttp (asyncio only, pytest-asyncio strict).

These tests are marked ``asyncio`` rather than ``anyio``: pytest-aiohttp's fixtures run on
pytest-asyncio's loop, and the two plugins must not both claim a test.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

import zcrm_async as zc
from tests.integrations.webflow import (
    HOSTILE_NEXT,
    SECRET,
    RecordingTransport,
    consent,
    unreachable_url,
)
from zcrm_async.integrations.aiohttp import CRM_KEY, ZohoLogin, crm_context, get_crm
from zcrm_async.testing import FakeZohoCRM

pytestmark = pytest.mark.asyncio

MakeClient = Callable[..., Awaitable[TestClient[web.Request, web.Application]]]
MakeServer = Callable[..., Awaitable[TestServer]]


def build_app(fake: FakeZohoCRM, transport: httpx.AsyncBaseTransport) -> web.Application:
    app = web.Application()
    app.cleanup_ctx.append(crm_context(fake.config(), transport=transport))
    login = ZohoLogin(SECRET, callback_path="/callback", after_login="/me")
    login.setup(app)

    async def me(request: web.Request) -> web.Response:
        crm = login.user_crm(request)
        user = await crm.users.current()
        return web.json_response({"email": user.email, "acting_as": crm.user_email})

    async def create_lead(request: web.Request) -> web.Response:
        crm = login.user_crm(request)
        result = await crm.records("Leads").create([await request.json()])
        record = await crm.records("Leads").get(str(result.raise_for_failures()[0].id))
        return web.json_response({"id": record.id, "owner": record["Owner"]["email"]})

    async def service(request: web.Request) -> web.Response:
        return web.json_response({"acting_as": get_crm(request).user_email})

    app.router.add_get("/me", me)
    app.router.add_post("/leads", create_lead)
    app.router.add_get("/service", service)
    return app


async def log_in(
    client: TestClient[web.Request, web.Application],
    fake: FakeZohoCRM,
    user: str,
    next_url: str | None = None,
    **consent_options: Any,
) -> Any:
    params = {} if next_url is None else {"next": next_url}
    start = await client.get("/zoho/login", params=params, allow_redirects=False)
    assert start.status == 302
    callback = await consent(fake, start.headers["Location"], user, **consent_options)
    return await client.get(
        callback.path, params=dict(callback.params.multi_items()), allow_redirects=False
    )


@pytest.fixture
def fake() -> FakeZohoCRM:
    fake = FakeZohoCRM()
    fake.limits.grant_codes_per_window = None  # many logins below; Zoho allows 10 per 10 min
    return fake


@pytest.fixture
def recording(fake: FakeZohoCRM) -> RecordingTransport:
    return RecordingTransport(fake.transport())


async def test_login_with_zoho_then_act_as_the_user(
    aiohttp_client: MakeClient, fake: FakeZohoCRM, recording: RecordingTransport
) -> None:
    app = build_app(fake, recording)
    client = await aiohttp_client(app)
    done = await log_in(client, fake, "alice@example.com")
    assert done.status == 303
    assert done.headers["Location"] == "/me"
    me = await client.get("/me")
    assert await me.json() == {"email": "alice@example.com", "acting_as": "alice@example.com"}
    service = await client.get("/service")
    assert await service.json() == {"acting_as": fake.user_email}
    assert await app[CRM_KEY].oauth.is_token_generated("alice@example.com")
    assert fake.stats.token_mints == 1


async def test_many_concurrent_users_each_see_only_themselves(
    aiohttp_server: MakeServer,
    aiohttp_client: MakeClient,
    fake: FakeZohoCRM,
    recording: RecordingTransport,
) -> None:
    server = await aiohttp_server(build_app(fake, recording))
    users = [f"user{n}@example.com" for n in range(25)]

    async def one_user(email: str) -> list[tuple[Any, Any]]:
        client = await aiohttp_client(server)  # its own cookie jar: one browser
        done = await log_in(client, fake, email)
        assert done.status == 303, await done.text()
        answers = []
        for round_ in range(3):
            me, lead = await asyncio.gather(
                client.get("/me"), client.post("/leads", json={"Last_Name": f"{email}{round_}"})
            )
            answers.append((await me.json(), await lead.json()))
        return answers

    results = await asyncio.gather(*(one_user(email) for email in users))
    for email, answers in zip(users, results, strict=True):
        for me, lead in answers:
            assert me == {"email": email, "acting_as": email}
            assert lead["owner"] == email
    owners = sorted(r["Owner"]["email"] for r in fake.records("Leads").values())
    assert owners == sorted(users * 3)
    assert fake.stats.token_mints == len(users)


async def test_foreign_state_and_foreign_accounts_server_are_refused(
    aiohttp_server: MakeServer,
    aiohttp_client: MakeClient,
    fake: FakeZohoCRM,
    recording: RecordingTransport,
) -> None:
    server = await aiohttp_server(build_app(fake, recording))
    attacker, victim = await aiohttp_client(server), await aiohttp_client(server)
    start = await attacker.get("/zoho/login", allow_redirects=False)
    callback = await consent(fake, start.headers["Location"], "mallory@example.com")
    params = dict(callback.params.multi_items())
    refused = await victim.get(callback.path, params=params, allow_redirects=False)
    assert refused.status == 400
    assert "start again at /zoho/login" in await refused.text()

    forged = {**params, "accounts-server": "https://accounts.evil.example"}
    refused = await attacker.get(callback.path, params=forged, allow_redirects=False)
    assert refused.status == 400
    assert "not a Zoho accounts server" in await refused.text()
    assert "accounts.evil.example" not in {url.host for url in recording.urls}
    assert fake.stats.token_requests == 0
    assert (await victim.get("/me")).status == 401


async def test_next_never_leads_off_the_site_nor_splits_the_header(
    aiohttp_client: MakeClient, fake: FakeZohoCRM, recording: RecordingTransport
) -> None:
    client = await aiohttp_client(build_app(fake, recording))
    for n, target in enumerate(HOSTILE_NEXT):
        done = await log_in(client, fake, f"u{n}@example.com", target)
        assert (done.status, done.headers["Location"]) == (303, "/me"), target
    done = await log_in(client, fake, "crlf@example.com", "/x\r\nSet-Cookie: planted=1")
    assert (done.status, done.headers["Location"]) == (303, "/xSet-Cookie:%20planted=1")
    assert "planted" not in done.cookies
    kept = await log_in(client, fake, "kept@example.com", "/leads?view=mine")
    assert kept.headers["Location"] == "/leads?view=mine"


async def test_an_unreachable_accounts_server_gets_an_error_page(
    aiohttp_client: MakeClient,
) -> None:
    with unreachable_url() as url:
        fake = FakeZohoCRM(base_url=url)  # Zoho's redirect names it as the accounts server
        app = web.Application()
        config = fake.config(max_retries=0)
        app.cleanup_ctx.append(crm_context(config, transport=httpx.AsyncHTTPTransport()))
        ZohoLogin(SECRET, callback_path="/callback").setup(app)
        client = await aiohttp_client(app)
        answer = await log_in(client, fake, "alice@example.com")
        text = await answer.text()
    assert answer.status == 502, text
    assert "could not reach Zoho to finish the login" in text
    assert "accounts server 127.0.0.1" in text
    assert "try again in a moment at /zoho/login" in text
    assert fake.client_secret not in text


async def test_multi_dc_login_and_logout(
    aiohttp_client: MakeClient, fake: FakeZohoCRM, recording: RecordingTransport
) -> None:
    client = await aiohttp_client(build_app(fake, recording))
    done = await log_in(client, fake, "eva@example.eu", dc="eu")
    assert done.status == 303, await done.text()
    assert recording.hosts("/oauth/v2/token") == ["accounts.zoho.eu"]
    assert (await (await client.get("/me")).json())["email"] == "eva@example.eu"
    out = await client.post("/zoho/logout", allow_redirects=False)
    assert out.status == 303
    assert (await client.get("/me")).status == 401


async def test_cleanup_ctx_closes_the_client(fake: FakeZohoCRM) -> None:
    app = build_app(fake, fake.transport())
    runner = web.AppRunner(app)
    await runner.setup()
    crm = app[CRM_KEY]
    assert isinstance(crm, zc.ZohoCRM)
    assert not crm.http.is_closed
    await runner.cleanup()
    assert crm.http.is_closed


async def test_get_crm_without_the_context_says_what_to_do(aiohttp_client: MakeClient) -> None:
    app = web.Application()

    async def handler(request: web.Request) -> web.Response:
        try:
            get_crm(request)
        except RuntimeError as exc:
            return web.Response(text=str(exc), status=500)
        raise AssertionError("unreachable")

    app.router.add_get("/x", handler)
    client = await aiohttp_client(app)
    answer = await client.get("/x")
    assert "app.cleanup_ctx.append(crm_context(config))" in await answer.text()

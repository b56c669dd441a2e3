"""The FastAPI integration end to end: lifespan, dependencies and Login with Zoho, on the fake."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

import anyio
import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import Depends, FastAPI

import zcrm_async as zc
from tests.integrations.webflow import (
    APP_URL,
    HOSTILE_NEXT,
    SECRET,
    RecordingTransport,
    consent,
    unreachable_url,
)
from zcrm_async.integrations.fastapi import ZohoLogin, crm_lifespan, get_crm
from zcrm_async.testing import FakeZohoCRM

pytestmark = pytest.mark.anyio


def build_app(fake: FakeZohoCRM, transport: httpx.AsyncBaseTransport, **config: Any) -> FastAPI:
    login = ZohoLogin(SECRET, callback_path="/callback", after_login="/me")
    app = FastAPI(lifespan=crm_lifespan(fake.config(**config), transport=transport))
    app.include_router(login.router)
    UserCRM = Annotated[zc.ZohoCRM, Depends(login.user_crm)]

    @app.get("/me")
    async def me(crm: UserCRM) -> dict[str, Any]:
        user = await crm.users.current()
        return {"email": user.email, "acting_as": crm.user_email}

    @app.post("/leads")
    async def create_lead(lead: dict[str, Any], crm: UserCRM) -> dict[str, Any]:
        result = await crm.records("Leads").create([lead])
        result.raise_for_failures()
        record = await crm.records("Leads").get(str(result[0].id))
        return {"id": record.id, "owner": record["Owner"]["email"]}

    @app.get("/service")
    async def service(crm: Annotated[zc.ZohoCRM, Depends(get_crm)]) -> dict[str, Any]:
        return {"acting_as": crm.user_email}

    return app


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[FastAPI]:
    async with LifespanManager(app) as manager:
        yield manager.app  # type: ignore[misc]


def browser(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=APP_URL)


async def log_in(
    app: Any,
    fake: FakeZohoCRM,
    client: httpx.AsyncClient,
    user: str,
    next_url: str = "/me",
    **consent_options: Any,
) -> httpx.Response:
    """The whole browser round trip; the app's answer to Zoho's redirect."""
    start = await client.get("/zoho/login", params={"next": next_url})
    assert start.status_code == 302
    callback = await consent(fake, start.headers["location"], user, **consent_options)
    return await client.get(str(callback.copy_with(scheme=None, host=None, port=None)))


@pytest.fixture
def recording(fake: FakeZohoCRM) -> RecordingTransport:
    return RecordingTransport(fake.transport())


async def test_login_with_zoho_stores_tokens_and_acts_as_the_user(
    fake: FakeZohoCRM, recording: RecordingTransport
) -> None:
    app = build_app(fake, recording)
    async with running(app) as asgi, browser(asgi) as client:
        start = await client.get("/zoho/login", params={"next": "/me"})
        assert start.status_code == 302
        target = httpx.URL(start.headers["location"])
        assert target.path == "/oauth/v2/auth"
        assert target.params["redirect_uri"] == fake.redirect_uri
        assert target.params["access_type"] == "offline"
        assert target.params["state"]  # bound to the browser's state cookie
        callback = await consent(fake, str(target), "alice@example.com")
        assert callback.params["state"] == target.params["state"]
        assert callback.params["location"] == "us"
        done = await client.get(str(callback.copy_with(scheme=None, host=None, port=None)))
        assert done.status_code == 303
        assert done.headers["location"] == "/me"
        me = await client.get("/me")
        assert me.json() == {"email": "alice@example.com", "acting_as": "alice@example.com"}
        crm = get_crm_of(app)
        assert await crm.oauth.is_token_generated("alice@example.com")
        # The app-wide client still acts as the configured service user, not as alice.
        service = await client.get("/service")
        assert service.json() == {"acting_as": fake.user_email}
    assert fake.stats.token_mints == 1
    assert recording.hosts("/oauth/v2/token") == ["fake-zoho.test"]


def get_crm_of(app: FastAPI) -> zc.ZohoCRM:
    crm = app.state.zoho_crm
    assert isinstance(crm, zc.ZohoCRM)
    return crm


async def test_many_concurrent_users_each_see_only_themselves(
    fake: FakeZohoCRM, recording: RecordingTransport
) -> None:
    # Zoho allows 10 grant-code exchanges per client per 10 minutes (reference §1.5); lift that
    # so 25 users can log in at once.
    fake.limits.grant_codes_per_window = None
    app = build_app(fake, recording)
    users = [f"user{n}@example.com" for n in range(25)]
    seen: dict[str, list[dict[str, Any]]] = {}

    async def one_user(email: str) -> None:
        async with browser(asgi) as client:
            done = await log_in(asgi, fake, client, email)
            assert done.status_code == 303, done.text
            answers = []
            for round_ in range(3):
                me, lead = await _me_and_lead(client, email, round_)
                answers.append({"me": me, "lead": lead})
            seen[email] = answers

    async with running(app) as asgi, anyio.create_task_group() as tg:
        for email in users:
            tg.start_soon(one_user, email)
    for email in users:
        for answer in seen[email]:
            assert answer["me"] == {"email": email, "acting_as": email}
            assert answer["lead"]["owner"] == email
    owners = [r["Owner"]["email"] for r in fake.records("Leads").values()]
    assert sorted(owners) == sorted(users * 3)
    assert fake.stats.token_mints == len(users)  # one grant exchange each, no refresh


async def _me_and_lead(
    client: httpx.AsyncClient, email: str, round_: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    results: dict[str, Any] = {}

    async def fetch_me() -> None:
        results["me"] = (await client.get("/me")).json()

    async def create() -> None:
        answer = await client.post("/leads", json={"Last_Name": f"{email}-{round_}"})
        assert answer.status_code == 200, answer.text
        results["lead"] = answer.json()

    async with anyio.create_task_group() as tg:
        tg.start_soon(fetch_me)
        tg.start_soon(create)
    return results["me"], results["lead"]


async def test_callback_without_this_browsers_state_is_refused(
    fake: FakeZohoCRM, recording: RecordingTransport
) -> None:
    app = build_app(fake, recording)
    async with running(app) as asgi, browser(asgi) as victim, browser(asgi) as attacker:
        # The attacker starts a login and hands the victim the callback URL (login CSRF).
        start = await attacker.get("/zoho/login")
        callback = await consent(fake, start.headers["location"], "mallory@example.com")
        path = str(callback.copy_with(scheme=None, host=None, port=None))
        answer = await victim.get(path)
        assert answer.status_code == 400
        assert "start again at /zoho/login" in answer.text
        # The victim's own login state does not match the attacker's state either.
        await victim.get("/zoho/login")
        answer = await victim.get(path)
        assert answer.status_code == 400
        assert "state" in answer.text
        assert (await victim.get("/me")).status_code == 401
    assert fake.stats.token_mints == 0


async def test_denied_consent_logs_nobody_in(
    fake: FakeZohoCRM, recording: RecordingTransport
) -> None:
    app = build_app(fake, recording)
    async with running(app) as asgi, browser(asgi) as client:
        answer = await log_in(asgi, fake, client, "bob@example.com", deny=True)
        assert answer.status_code == 403
        assert "access_denied" in answer.text
        assert (await client.get("/me")).status_code == 401
    assert fake.stats.token_mints == 0


async def test_an_accounts_server_that_is_not_zohos_is_refused(
    fake: FakeZohoCRM, recording: RecordingTransport
) -> None:
    app = build_app(fake, recording)
    async with running(app) as asgi, browser(asgi) as client:
        start = await client.get("/zoho/login")
        callback = await consent(fake, start.headers["location"], "bob@example.com")
        forged = callback.copy_set_param("accounts-server", "https://accounts.evil.example")
        answer = await client.get(str(forged.copy_with(scheme=None, host=None, port=None)))
        assert answer.status_code == 400
        assert "refusing accounts-server 'https://accounts.evil.example'" in answer.text
    assert "accounts.evil.example" not in {url.host for url in recording.urls}
    assert fake.stats.token_requests == 0


async def test_a_user_of_another_data_centre_exchanges_at_its_accounts_server(
    fake: FakeZohoCRM, recording: RecordingTransport
) -> None:
    app = build_app(fake, recording)
    async with running(app) as asgi, browser(asgi) as client:
        done = await log_in(asgi, fake, client, "eva@example.eu", dc="eu")
        assert done.status_code == 303, done.text
        me = await client.get("/me")
        assert me.json()["email"] == "eva@example.eu"
    # The grant code went to the EU accounts server Zoho named, not to the configured one.
    assert recording.hosts("/oauth/v2/token") == ["accounts.zoho.eu"]


async def test_zohos_grant_code_limit_is_explained_to_the_user(
    fake: FakeZohoCRM, recording: RecordingTransport
) -> None:
    app = build_app(fake, recording)
    async with running(app) as asgi:
        for n in range(10):
            async with browser(asgi) as client:
                done = await log_in(asgi, fake, client, f"u{n}@example.com")
                assert done.status_code == 303
        async with browser(asgi) as client:
            refused = await log_in(asgi, fake, client, "eleventh@example.com")
            assert refused.status_code == 400
            assert "too many grant tokens for this client (10 per 10 minutes)" in refused.text
            assert (await client.get("/me")).status_code == 401


async def test_user_dependency_needs_a_valid_session(
    fake: FakeZohoCRM, recording: RecordingTransport
) -> None:
    app = build_app(fake, recording)
    async with running(app) as asgi, browser(asgi) as client:
        answer = await client.get("/me")
        assert answer.status_code == 401
        assert "log in with Zoho at /zoho/login" in answer.json()["detail"]
        await log_in(asgi, fake, client, "carol@example.com")
        session = client.cookies["zcrm_session"]
        body, signature = session.split(".")
        client.cookies.clear()
        client.cookies.set("zcrm_session", f"{body}.{signature[::-1]}")  # tampered
        assert (await client.get("/me")).status_code == 401


async def test_next_cannot_leave_the_site_and_logout_ends_the_session(
    fake: FakeZohoCRM, recording: RecordingTransport
) -> None:
    app = build_app(fake, recording)
    async with running(app) as asgi, browser(asgi) as client:
        start = await client.get("/zoho/login", params={"next": "//evil.example/x"})
        callback = await consent(fake, start.headers["location"], "dan@example.com")
        done = await client.get(str(callback.copy_with(scheme=None, host=None, port=None)))
        assert done.headers["location"] == "/me"  # after_login, not the foreign URL
        assert (await client.get("/me")).status_code == 200
        out = await client.post("/zoho/logout")
        assert out.status_code == 303
        assert (await client.get("/me")).status_code == 401


async def test_next_never_leads_off_the_site_nor_splits_the_header(
    fake: FakeZohoCRM, recording: RecordingTransport
) -> None:
    fake.limits.grant_codes_per_window = None
    app = build_app(fake, recording)
    async with running(app) as asgi:
        for n, target in enumerate([*HOSTILE_NEXT, "/x\r\nSet-Cookie: planted=1"]):
            async with browser(asgi) as client:
                done = await log_in(asgi, fake, client, f"u{n}@example.com", target)
                assert done.status_code == 303, target
                location = done.headers["location"]
                assert location in ("/me", "/xSet-Cookie:%20planted=1"), target
                assert "planted" not in client.cookies


async def test_an_unreachable_accounts_server_gets_an_error_page() -> None:
    with unreachable_url() as url:
        fake = FakeZohoCRM(base_url=url)  # Zoho's redirect names it as the accounts server
        app = build_app(fake, httpx.AsyncHTTPTransport(), max_retries=0)
        async with running(app) as asgi, browser(asgi) as client:
            answer = await log_in(asgi, fake, client, "alice@example.com")
    assert answer.status_code == 502, answer.text
    assert "could not reach Zoho to finish the login" in answer.text
    assert "accounts server 127.0.0.1" in answer.text
    assert "try again in a moment at /zoho/login" in answer.text
    assert fake.client_secret not in answer.text


async def test_a_redirect_uri_that_misses_the_callback_route_is_explained(
    fake: FakeZohoCRM, recording: RecordingTransport
) -> None:
    login = ZohoLogin(SECRET, callback_path="/zoho/callback")
    app = FastAPI(lifespan=crm_lifespan(fake.config(), transport=recording))
    app.include_router(login.router)
    async with running(app) as asgi, browser(asgi) as client:
        answer = await client.get("/zoho/login")
        assert answer.status_code == 500
        assert "give WebLogin callback_path='/callback'" in answer.text


async def test_tokens_outlive_the_app_in_the_sqlite_store(
    fake: FakeZohoCRM, recording: RecordingTransport, tmp_path: Path
) -> None:
    db = str(tmp_path / "tokens.sqlite3")
    first = build_app(fake, recording, persistence=None, sqlite_path=db)
    async with running(first) as asgi, browser(asgi) as client:
        await log_in(asgi, fake, client, "erin@example.com")
        cookies = httpx.Cookies(client.cookies)
    # A restarted app (new client, same database) serves the same browser session.
    second = build_app(fake, recording, persistence=None, sqlite_path=db)
    async with running(second) as asgi, browser(asgi) as client:
        client.cookies = cookies
        me = await client.get("/me")
        assert me.json()["email"] == "erin@example.com"
    assert fake.stats.token_mints == 1


async def test_the_lifespan_closes_the_client(
    fake: FakeZohoCRM, recording: RecordingTransport
) -> None:
    app = build_app(fake, recording)
    async with running(app):
        crm = get_crm_of(app)
        assert not crm.http.is_closed
    assert crm.http.is_closed
    assert not hasattr(app.state, "zoho_crm")


async def test_get_crm_without_the_lifespan_says_what_to_do(fake: FakeZohoCRM) -> None:
    app = FastAPI()

    @app.get("/x")
    async def x(crm: Annotated[zc.ZohoCRM, Depends(get_crm)]) -> None:
        raise AssertionError("unreachable")

    async with browser(app) as client:
        with pytest.raises(RuntimeError, match="FastAPI\\(lifespan=crm_lifespan\\(config\\)\\)"):
            await client.get("/x")

"""The token lifecycle and the auth middleware: single flight, compare-and-refresh, cancellation."""

from __future__ import annotations

import time
from typing import Any

import anyio
import attrs
import httpx
import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

pytestmark = pytest.mark.anyio


class CountingStore(zc.MemoryStore):
    """A memory store that counts reads and writes."""

    def __init__(self) -> None:
        super().__init__()
        self.loads = 0
        self.saves = 0

    async def load(self, user_email: str) -> zc.OAuthTokens | None:
        self.loads += 1
        return await super().load(user_email)

    async def save(self, tokens: zc.OAuthTokens) -> None:
        self.saves += 1
        await super().save(tokens)


class DelayedTokenEndpoint(httpx.AsyncBaseTransport):
    """Wraps a transport so that token requests take ``delay`` seconds."""

    def __init__(self, inner: httpx.AsyncBaseTransport, delay: float) -> None:
        self.inner = inner
        self.delay = delay
        self.token_started = anyio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/v2/token":
            self.token_started.set()
            await anyio.sleep(self.delay)
        return await self.inner.handle_async_request(request)


async def seeded_store(fake: FakeZohoCRM, *, expired: bool) -> CountingStore:
    """A store holding tokens minted by the fake (expired client-side if asked)."""
    body = fake.issue_tokens()
    tokens = zc.OAuthTokens.from_token_response(body, user_email=fake.user_email)
    if expired:
        tokens = attrs.evolve(tokens, expiry_time=int(time.time() * 1000) - 1000)
    store = CountingStore()
    await store.save(tokens)
    store.saves = 0
    return store


def client(fake: FakeZohoCRM, store: zc.TokenStore, **kwargs: Any) -> zc.ZohoCRM:
    return zc.ZohoCRM(
        fake.config(max_concurrency=1000),
        store=store,
        transport=kwargs.pop("transport", None) or fake.transport(),
        retry=zc.RetryPolicy(max_retries=3, initial_delay=0.001, max_delay=0.01),
        **kwargs,
    )


async def test_grant_exchange_persists_tokens_and_finds_the_user(fake: FakeZohoCRM) -> None:
    store = CountingStore()
    config = fake.config(current_user_email=None)
    async with zc.ZohoCRM(config, store=store, transport=fake.transport()) as crm:
        assert crm.user_email is None
        tokens = await crm.oauth.generate_access_token(fake.issue_grant_code())
        assert tokens.user_email == fake.user_email  # looked up via users?type=CurrentUser
        assert tokens.api_domain == fake.base_url
        assert crm.user_email == fake.user_email
        assert await crm.oauth.is_token_generated()
        assert await store.load(fake.user_email) == tokens
        assert fake.stats.token_mints == 1


async def test_user_lookup_falls_back_to_oauth_user_info(fake: FakeZohoCRM) -> None:
    config = fake.config(current_user_email=None)
    async with zc.ZohoCRM(config, transport=fake.transport()) as crm:
        fake.fail_next(403, path="/users")  # e.g. a grant without ZohoCRM.users.READ
        tokens = await crm.oauth.generate_access_token(fake.issue_grant_code())
    assert tokens.user_email == fake.user_email
    assert fake.stats.by_route["GET /oauth/user/info"] == 1


async def test_a_grant_code_works_once(fake: FakeZohoCRM) -> None:
    async with zc.ZohoCRM(fake.config(), transport=fake.transport()) as crm:
        code = fake.issue_grant_code()
        await crm.oauth.generate_access_token(code)
        with pytest.raises(zc.OAuthError) as info:
            await crm.oauth.generate_access_token(code)
    assert info.value.error == "invalid_code"
    assert "already used" in str(info.value)


async def test_wrong_client_id_is_invalid_client_with_a_data_centre_hint(fake: FakeZohoCRM) -> None:
    config = fake.config(client_id="1000.SOMEONEELSE")
    async with zc.ZohoCRM(config, transport=fake.transport()) as crm:
        with pytest.raises(zc.OAuthError, match="data_center") as info:
            await crm.oauth.generate_access_token(fake.issue_grant_code())
    assert info.value.error == "invalid_client"


async def test_hot_path_does_no_store_io(fake: FakeZohoCRM) -> None:
    store = await seeded_store(fake, expired=False)
    async with client(fake, store) as crm:
        await crm.users.current()
        loads = store.loads
        for _ in range(20):
            await crm.users.current()
        assert store.loads == loads == 1
        assert store.saves == 0 and fake.stats.token_mints == 0


async def test_1000_concurrent_calls_with_an_expired_token_mint_one(fake: FakeZohoCRM) -> None:
    store = await seeded_store(fake, expired=True)
    async with client(fake, store) as crm, anyio.create_task_group() as group:
        for _ in range(1000):
            group.start_soon(crm.org.get)
    assert fake.stats.token_mints == 1
    assert store.saves == 1
    assert (
        fake.stats.by_route["GET /crm/{version}/org"] == 1000
    )  # no request failed or was replayed


async def test_100_concurrent_invalid_token_401s_mint_one_and_replay_each_once(
    fake: FakeZohoCRM,
) -> None:
    store = await seeded_store(fake, expired=False)
    async with client(fake, store) as crm:
        await crm.org.get()  # warm the cache with the soon-to-be-rejected token
        fake.stats.reset()
        fake.expire_access_tokens()  # server-side: the client still thinks it is valid
        async with anyio.create_task_group() as group:
            for _ in range(100):
                group.start_soon(crm.org.get)
    assert fake.stats.token_mints == 1
    assert fake.stats.by_route["GET /crm/{version}/org"] == 200  # 100 rejected + 100 replays


async def test_other_401_codes_raise_at_once_without_refresh(fake: FakeZohoCRM) -> None:
    store = await seeded_store(fake, expired=False)
    async with client(fake, store) as crm:
        fake.fail_next(401, code="OAUTH_SCOPE_MISMATCH", message="Unauthorized")
        with pytest.raises(zc.AuthenticationError) as info:
            await crm.org.get()
    assert info.value.code == "OAUTH_SCOPE_MISMATCH"
    assert fake.stats.token_mints == 0
    assert fake.stats.api_requests == 1


async def test_a_second_invalid_token_after_the_replay_raises(fake: FakeZohoCRM) -> None:
    store = await seeded_store(fake, expired=False)
    async with client(fake, store) as crm:
        fake.fail_next(401, code="INVALID_TOKEN", times=2)
        with pytest.raises(zc.AuthenticationError, match="INVALID_TOKEN"):
            await crm.org.get()
    assert fake.stats.api_requests == 2  # exactly one replay
    assert fake.stats.token_mints == 1


async def test_a_post_body_is_replayed_intact_after_401(fake: FakeZohoCRM) -> None:
    store = await seeded_store(fake, expired=False)
    async with client(fake, store) as crm:
        await crm.org.get()
        fake.expire_access_tokens()
        result = await crm.records("Leads").create([{"Last_Name": "Replayed"}])
    assert result[0].ok
    assert [r["Last_Name"] for r in fake.records("Leads").values()] == ["Replayed"]


async def test_a_caller_cancelled_during_refresh_does_not_lose_the_token(
    fake: FakeZohoCRM,
) -> None:
    store = await seeded_store(fake, expired=True)
    slow = DelayedTokenEndpoint(fake.transport(), delay=0.3)
    async with client(fake, store, transport=slow) as crm:
        with anyio.fail_after(0.2) as scope:  # the caller leaves at once, mid-refresh
            async with anyio.create_task_group() as group:
                group.start_soon(crm.org.get)
                await slow.token_started.wait()
                group.cancel_scope.cancel()
        assert not scope.cancel_called
        await crm.org.get()  # joins the refresh still in flight: no second mint
        assert fake.stats.token_mints == 1
        saved = await store.load(fake.user_email)
        assert saved is not None and not saved.expires_within(60)
    assert fake.stats.token_mints == 1


async def test_tokens_of_another_worker_are_picked_up_not_reminted(fake: FakeZohoCRM) -> None:
    store = await seeded_store(fake, expired=False)
    async with client(fake, store) as first, client(fake, store) as second:
        await first.org.get()
        await second.org.get()
        fake.expire_access_tokens()
        await first.org.get()  # first refreshes and saves
        await second.org.get()  # second gets a 401, re-reads the store: no new mint
    assert fake.stats.token_mints == 1


async def test_generate_from_refresh_token_and_revoke(fake: FakeZohoCRM) -> None:
    body = fake.issue_tokens()
    async with zc.ZohoCRM(fake.config(), transport=fake.transport()) as crm:
        tokens = await crm.oauth.generate_access_token_from_refresh_token(
            body["refresh_token"], fake.user_email
        )
        assert tokens.refresh_token == body["refresh_token"]
        assert (await crm.users.current()).email == fake.user_email
        assert await crm.oauth.revoke() is True
        assert not await crm.oauth.is_token_generated()
        with pytest.raises(zc.OAuthError, match="no tokens stored"):
            await crm.users.current()
        with pytest.raises(zc.OAuthError, match="invalid_code"):  # revoked at Zoho too
            await crm.oauth.generate_access_token_from_refresh_token(
                body["refresh_token"], fake.user_email
            )


async def test_throttled_refresh_is_access_denied_with_advice(fake: FakeZohoCRM) -> None:
    store = await seeded_store(fake, expired=False)
    async with client(fake, store) as crm:
        for _ in range(10):
            await crm.oauth.refresh()
        with pytest.raises(zc.OAuthError, match="10 access tokens per refresh token") as info:
            await crm.oauth.refresh()
    assert info.value.error == "Access Denied"


async def test_unreachable_accounts_server_is_a_transport_error_naming_the_host() -> None:
    config = zc.Config(
        client_id="c",
        client_secret="s",
        redirect_uri="https://x.example/cb",
        accounts_url="http://127.0.0.1:9",  # nothing listens on the discard port
        persistence="memory",
        max_retries=1,
        allow_untrusted_hosts=True,
    )
    retry = zc.RetryPolicy(max_retries=1, initial_delay=0.001)
    async with zc.ZohoCRM(config, retry=retry) as crm:
        with pytest.raises(zc.TransportError, match=r"accounts server 127\.0\.0\.1") as info:
            await crm.oauth.generate_access_token("1000.code.code")
    assert info.value.host == "127.0.0.1"
    assert "1000.code" not in str(info.value)


def test_authorization_url_for_web_clients(fake: FakeZohoCRM) -> None:
    crm = zc.ZohoCRM(fake.config(), transport=fake.transport())
    url = httpx.URL(crm.oauth.authorization_url(["ZohoCRM.modules.ALL"], state="xyz"))
    assert url.path == "/oauth/v2/auth"
    assert dict(url.params) == {
        "scope": "ZohoCRM.modules.ALL",
        "client_id": fake.client_id,
        "response_type": "code",
        "access_type": "offline",
        "redirect_uri": fake.redirect_uri,
        "prompt": "consent",
        "state": "xyz",
    }


async def test_two_users_never_see_each_others_tokens(fake: FakeZohoCRM) -> None:
    async with zc.ZohoCRM(fake.config(), transport=fake.transport()) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        await crm.oauth.generate_access_token(
            fake.issue_grant_code(user_email="bob@example.com"), user_email="bob@example.com"
        )
        bob = crm.as_user("bob@example.com")
        seen: list[tuple[str, str | None]] = []

        async def who(view: zc.ZohoCRM, expected: str) -> None:
            me = await view.users.current()
            seen.append((expected, me.email))

        async with anyio.create_task_group() as group:
            for n in range(100):
                group.start_soon(
                    who, bob if n % 2 else crm, "bob@example.com" if n % 2 else fake.user_email
                )
    assert len(seen) == 100 and all(expected == got for expected, got in seen)


async def test_closing_an_as_user_view_leaves_the_client_open(crm: zc.ZohoCRM) -> None:
    async with crm.as_user(crm.user_email or "") as view:
        await view.org.get()
    assert not crm.http.is_closed
    assert (await crm.org.get()).zgid


async def test_tokens_of_a_grant_whose_user_is_unknown_are_kept_for_a_retry(
    fake: FakeZohoCRM,
) -> None:
    config = fake.config(current_user_email=None)
    # A grant without ZohoCRM.users.READ or AaaServer.profile.Read: no way to learn the user.
    code = fake.issue_grant_code(scopes=["ZohoCRM.modules.ALL"])
    async with zc.ZohoCRM(config, transport=fake.transport()) as crm:
        with pytest.raises(zc.OAuthError, match="same grant token and user_email=") as info:
            await crm.oauth.generate_access_token(code)
        assert info.value.error == "unknown_user"
        assert code not in str(info.value)
        assert not await crm.oauth.is_token_generated(fake.user_email)
        # The grant is spent at Zoho; the retry uses the tokens it gave, without exchanging.
        tokens = await crm.oauth.generate_access_token(code, user_email=fake.user_email)
        assert await crm.store.load(fake.user_email) == tokens
        assert (await crm.records("Leads").list(fields=["Last_Name"])).items == []
    assert fake.stats.by_route["POST /oauth/v2/token"] == 1


class LateTokenAnswers(httpx.AsyncBaseTransport):
    """Token answers that arrive ``delay`` seconds after Zoho minted the token."""

    def __init__(self, inner: httpx.AsyncBaseTransport, delay: float) -> None:
        self.inner = inner
        self.delay = delay
        self.minted = anyio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.url.path == "/oauth/v2/token":
            self.minted.set()
            await anyio.sleep(self.delay)
        return response


async def test_closing_the_client_lets_a_refresh_in_flight_save_its_token(
    fake: FakeZohoCRM,
) -> None:
    store = await seeded_store(fake, expired=True)
    late = LateTokenAnswers(fake.transport(), delay=0.3)
    crm = client(fake, store, transport=late)
    async with anyio.create_task_group() as group:
        group.start_soon(crm.org.get)
        await late.minted.wait()
        group.cancel_scope.cancel()  # the only caller is gone; the refresh is not
    await crm.aclose()
    saved = await store.load(fake.user_email)
    assert saved is not None and not saved.expires_within(60)
    assert fake.stats.token_mints == 1

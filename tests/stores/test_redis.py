"""RedisStore against a real Redis server (``ZCRM_TEST_REDIS_URL``; see server_support)."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator, Awaitable

import anyio
import pytest

import zcrm_async as zc
from tests.stores.server_support import fresh_key_prefix, redis_url, run_redis
from zcrm_async.stores.redis import RedisStore

# redis-py's client is asyncio-only (trio is checked by test_trio_is_refused_clearly).
pytestmark = [pytest.mark.redis, pytest.mark.backends("asyncio")]


@pytest.fixture
def url() -> str:
    return redis_url()


@pytest.fixture
async def store(url: str) -> AsyncIterator[RedisStore]:
    created = RedisStore(url, key_prefix=fresh_key_prefix(), lock_ttl=0.5)
    try:
        yield created
    finally:
        await created.aclose()


def tokens(user: str = "ada@example.com", access: str = "1000.aaaa.bbbb") -> zc.OAuthTokens:
    return zc.OAuthTokens(
        user_email=user,
        access_token=access,
        refresh_token="1000.refresh.token",
        expiry_time=4_102_444_800_000,
        api_domain="https://www.zohoapis.eu",
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# -- keys ------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_tokens_are_one_hash_with_the_classic_fields_under_the_prefix(
    store: RedisStore,
) -> None:
    await store.save(tokens())
    keys = run_redis("KEYS", f"{store.key_prefix}*")
    assert keys == [f"{store.key_prefix}tokens:ada@example.com"]
    assert run_redis("HGETALL", f"{store.key_prefix}tokens:ada@example.com") == {
        "useridentifier": "ada@example.com",
        "accesstoken": "1000.aaaa.bbbb",
        "refreshtoken": "1000.refresh.token",
        "expirytime": "4102444800000",
        "api_domain": "https://www.zohoapis.eu",
    }
    assert run_redis("TTL", f"{store.key_prefix}tokens:ada@example.com") == -1  # no expiry


@pytest.mark.anyio
async def test_prefixes_separate_applications_on_one_server(store: RedisStore, url: str) -> None:
    other = RedisStore(url, key_prefix=fresh_key_prefix())
    try:
        await store.save(tokens(access="1000.mine.mine"))
        assert await other.load("ada@example.com") is None
        await other.save(tokens(access="1000.theirs.theirs"))
        mine = await store.load("ada@example.com")
        assert mine is not None and mine.access_token == "1000.mine.mine"
    finally:
        await other.aclose()


@pytest.mark.anyio
async def test_a_half_written_hash_is_no_tokens(store: RedisStore) -> None:
    key = store.token_key("ada@example.com")
    run_redis("HSET", key, "useridentifier", "ada@example.com", "accesstoken", "1000.a.b")
    assert await store.load("ada@example.com") is None


@pytest.mark.anyio
async def test_a_corrupt_expiry_is_a_clear_error(store: RedisStore) -> None:
    await store.save(tokens())
    run_redis("HSET", store.token_key("ada@example.com"), "expirytime", "soon")
    with pytest.raises(zc.TokenStoreError, match=r"non-numeric expirytime; delete the key"):
        await store.load("ada@example.com")


# -- listing users (the contract cases are in test_conformance) ------------------------------


@pytest.mark.anyio
async def test_glob_characters_in_a_prefix_match_only_themselves(url: str) -> None:
    base = fresh_key_prefix()
    # Unescaped, "a*:" would match "ab:" and "a\\:"; "x[ab]:" "xa:"; "q?:" "qz:".
    suffixes = ["a*:", "ab:", "a\\:", "x[ab]:", "xa:", "q?:", "qz:"]
    stores = [RedisStore(url, key_prefix=base + suffix) for suffix in suffixes]
    try:
        for n, each in enumerate(stores):
            await each.save(tokens(f"user{n}@example.com"))
        assert [await each.user_emails() for each in stores] == [
            [f"user{n}@example.com"] for n in range(len(stores))
        ]
    finally:
        for each in stores:
            await each.aclose()


@pytest.mark.anyio
async def test_only_complete_token_hashes_are_listed(store: RedisStore) -> None:
    await store.save(tokens("ada@example.com"))
    run_redis("SET", store.token_key("not-a-hash@example.com"), "x")
    run_redis("HSET", store.token_key("half@example.com"), "accesstoken", "1000.a.b")
    run_redis("HSET", store.lock_key("locked@example.com"), "accesstoken", "1000.a.b")
    assert await store.user_emails() == ["ada@example.com"]
    assert await store.load("half@example.com") is None  # as load sees it


@pytest.mark.anyio
async def test_users_are_found_across_many_scan_steps(store: RedisStore) -> None:
    write = (
        "for n = 1, tonumber(ARGV[2]) do redis.call('hset', ARGV[1] .. n .. '@example.com', "
        "'accesstoken', 'a', 'refreshtoken', 'r', 'expirytime', '1') end"
    )
    run_redis("EVAL", write, 0, store.token_key("u"), 2500)
    listed = await store.user_emails()
    assert listed == sorted(f"u{n}@example.com" for n in range(1, 2501))


# -- the refresh lock ------------------------------------------------------------------------


@pytest.mark.anyio
async def test_lock_is_renewed_while_held_so_it_outlives_its_ttl(
    store: RedisStore, url: str
) -> None:
    other = RedisStore(url, key_prefix=store.key_prefix, lock_timeout=0.2)
    try:
        async with store.refresh_lock("ada@example.com"):
            await anyio.sleep(1.5)  # three TTLs of 0.5 s
            ttl = run_redis("PTTL", store.lock_key("ada@example.com"))
            assert isinstance(ttl, int) and 0 < ttl <= 500
            with pytest.raises(zc.TokenStoreError, match=r"timed out after 0.2s .* refresh lock"):
                async with other.refresh_lock("ada@example.com"):
                    pytest.fail("two holders of one user's refresh lock")
            async with other.refresh_lock("bob@example.com"):  # other users are not blocked
                pass
        assert run_redis("EXISTS", store.lock_key("ada@example.com")) == 0
        async with other.refresh_lock("ada@example.com"):
            pass
    finally:
        await other.aclose()


@pytest.mark.anyio
async def test_an_abandoned_lock_expires_after_its_ttl(store: RedisStore) -> None:
    # What a killed holder leaves behind: a lock nobody renews (tests/cross_process kills one).
    run_redis("SET", store.lock_key("ada@example.com"), "dead-holder", "PX", 500)
    started = anyio.current_time()
    with anyio.fail_after(5):
        async with store.refresh_lock("ada@example.com"):
            waited = anyio.current_time() - started
    assert 0.3 < waited < 2.0


@pytest.mark.anyio
async def test_only_the_owner_releases_and_a_lost_lock_is_reported(
    store: RedisStore, caplog: pytest.LogCaptureFixture
) -> None:
    key = store.lock_key("ada@example.com")
    with caplog.at_level(logging.WARNING, logger="zcrm_async"):
        async with store.refresh_lock("ada@example.com"):
            # The lease lapsed (a long pause) and another process took the lock.
            run_redis("SET", key, "another-holder", "PX", 10_000)
            await anyio.sleep(0.4)  # a renewal finds the lock lost
    assert run_redis("GET", key) == "another-holder"  # not deleted, not extended by us
    ttl = run_redis("PTTL", key)
    assert isinstance(ttl, int) and ttl <= 10_000
    assert "expired while held" in caplog.text


@pytest.mark.anyio
async def test_lock_released_on_error_and_on_cancellation(store: RedisStore) -> None:
    key = store.lock_key("ada@example.com")
    with pytest.raises(RuntimeError, match="boom"):
        async with store.refresh_lock("ada@example.com"):
            raise RuntimeError("boom")
    assert run_redis("EXISTS", key) == 0
    with anyio.move_on_after(0.1):
        async with store.refresh_lock("ada@example.com"):
            await anyio.sleep(10)
    assert run_redis("EXISTS", key) == 0


# -- failures, secrets, config ---------------------------------------------------------------


@pytest.mark.anyio
async def test_unreachable_server_is_a_clear_error_without_the_password() -> None:
    port = free_port()
    store = RedisStore(f"redis://:Pw-hidden-1@127.0.0.1:{port}/0", timeout=1)
    with anyio.fail_after(15):
        with pytest.raises(zc.TokenStoreError) as caught:
            await store.save(tokens())
        with pytest.raises(zc.TokenStoreError) as listing:
            await store.user_emails()
    await store.aclose()
    message = str(caught.value)
    assert f"127.0.0.1:{port}" in message and "is the server running" in message
    assert "Pw-hidden-1" not in message and "Pw-hidden-1" not in repr(store)
    assert "listing users (SCAN) failed" in str(listing.value)
    assert f"127.0.0.1:{port}" in str(listing.value) and "Pw-hidden-1" not in str(listing.value)
    assert repr(store) == f"RedisStore('redis://:***@127.0.0.1:{port}/0', key_prefix='zcrm_async:')"


@pytest.mark.anyio
async def test_wrong_password_names_the_server_not_the_password(url: str) -> None:
    netloc = url.split("://", 1)[1].split("@")[-1]
    store = RedisStore(f"redis://nobody-zcrm:Wr0ng-Secret-9@{netloc}", timeout=2)
    with pytest.raises(zc.TokenStoreError) as caught:
        await store.load("ada@example.com")
    await store.aclose()
    message = str(caught.value)
    assert "check the user name and password" in message
    assert "Wr0ng-Secret-9" not in message and "nobody-zcrm:***@" in message


@pytest.mark.anyio
async def test_config_selects_the_store_and_the_client_keeps_tokens_there(url: str) -> None:
    from zcrm_async.testing import FakeZohoCRM

    fake = FakeZohoCRM()
    prefix = fresh_key_prefix()
    config = fake.config(persistence="redis", redis_url=url, redis_key_prefix=prefix)
    async with zc.ZohoCRM(config, transport=fake.transport()) as crm:
        assert isinstance(crm.store, RedisStore) and crm.store.key_prefix == prefix
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        assert (await crm.users.current()).email == fake.user_email
    assert run_redis("HGET", f"{prefix}tokens:{fake.user_email}", "useridentifier") == (
        fake.user_email
    )


def test_config_needs_a_redis_url_and_checks_it() -> None:
    base = {"client_id": "1000.X", "client_secret": "s", "redirect_uri": "http://localhost/cb"}
    with pytest.raises(zc.ConfigError, match=r"'redis_url': is mandatory with persistence"):
        zc.Config(**base, persistence="redis")
    with pytest.raises(zc.ConfigError, match=r"'redis_url': expected a URL starting with redis"):
        zc.Config(**base, redis_url="http://127.0.0.1:6379")
    with pytest.raises(zc.ConfigError, match=r"'redis_key_prefix'"):
        zc.Config(**base, redis_key_prefix=" ")
    # A redis_url alone does not move the tokens: other shared state may use the server.
    config = zc.Config(**base, redis_url="redis://:Pw-In-Url@cache:6379/2")
    assert config.store_kind == "sqlite"
    assert "Pw-In-Url" not in repr(config) and "redis://:***@cache:6379/2" in repr(config)


def test_trio_is_refused_clearly() -> None:
    store = RedisStore("redis://127.0.0.1:1/0")  # refused before any connection

    async def use() -> list[str]:
        messages = []
        calls: list[Awaitable[object]] = [
            store.load("ada@example.com"),
            store.save(tokens()),
            store.delete("ada@example.com"),
        ]
        for call in calls:
            with pytest.raises(zc.UnsupportedBackendError) as caught:
                await call
            messages.append(str(caught.value))
        with pytest.raises(zc.UnsupportedBackendError):
            async with store.refresh_lock("ada@example.com"):
                pass
        await store.aclose()  # nothing was opened: nothing to refuse
        return messages

    messages = anyio.run(use, backend="trio")
    assert len(messages) == 3
    for message in messages:
        assert "asyncio only" in message and "PostgreSQL" in message

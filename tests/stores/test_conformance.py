"""The behaviour every token store must have (memory, file, SQLite, custom, MySQL, PostgreSQL,
Redis), and of every store that lists its users (:class:`zcrm_async.stores.ListsUsers`)."""

from __future__ import annotations

import time
from collections.abc import Callable

import anyio
import pytest

import zcrm_async as zc
from tests.stores.conftest import LISTS_USERS
from zcrm_async.stores import ListsUsers
from zcrm_async.testing import FakeZohoCRM

pytestmark = pytest.mark.anyio


def tokens(user: str = "ada@example.com", access: str = "1000.aaaa.bbbb") -> zc.OAuthTokens:
    return zc.OAuthTokens(
        user_email=user,
        access_token=access,
        refresh_token="1000.refresh.token",
        expiry_time=int(time.time() * 1000) + 3_600_000,
        api_domain="https://www.zohoapis.eu",
    )


async def test_load_of_unknown_user_is_none(store: zc.TokenStore) -> None:
    assert await store.load("nobody@example.com") is None


async def test_save_then_load_round_trips_every_field(store: zc.TokenStore) -> None:
    saved = tokens()
    await store.save(saved)
    assert await store.load(saved.user_email) == saved


async def test_save_replaces_the_users_tokens(store: zc.TokenStore) -> None:
    await store.save(tokens(access="1000.old.old"))
    await store.save(tokens(access="1000.new.new"))
    loaded = await store.load("ada@example.com")
    assert loaded is not None and loaded.access_token == "1000.new.new"


async def test_users_are_independent(store: zc.TokenStore) -> None:
    await store.save(tokens("ada@example.com", "1000.ada.ada"))
    await store.save(tokens("bob@example.com", "1000.bob.bob"))
    await store.delete("ada@example.com")
    assert await store.load("ada@example.com") is None
    bob = await store.load("bob@example.com")
    assert bob is not None and bob.access_token == "1000.bob.bob"


async def test_delete_of_unknown_user_is_not_an_error(store: zc.TokenStore) -> None:
    await store.delete("nobody@example.com")
    assert await store.load("nobody@example.com") is None


async def test_hostile_user_ids_are_data_not_code(store: zc.TokenStore) -> None:
    hostile = "o'hara\"; DROP TABLE oauthtokens; --@example.com"
    await store.save(tokens(hostile, "1000.evil.evil"))
    await store.save(tokens("other@example.com"))
    loaded = await store.load(hostile)
    assert loaded is not None and loaded.user_email == hostile
    assert await store.load("other@example.com") is not None


async def test_missing_api_domain_round_trips_as_none(store: zc.TokenStore) -> None:
    saved = tokens()
    saved.api_domain = None
    await store.save(saved)
    loaded = await store.load(saved.user_email)
    assert loaded is not None and loaded.api_domain is None


async def test_refresh_lock_excludes_a_second_holder(store: zc.TokenStore) -> None:
    inside = 0
    most = 0

    async def hold() -> None:
        nonlocal inside, most
        async with store.refresh_lock("ada@example.com"):
            inside += 1
            most = max(most, inside)
            await anyio.sleep(0.02)
            inside -= 1

    async with anyio.create_task_group() as group:
        for _ in range(4):
            group.start_soon(hold)
    # In-process stores (memory, custom) leave exclusion to the auth middleware's lock.
    persistent = not isinstance(store, (zc.MemoryStore, zc.CustomStore))
    assert most == (1 if persistent else most)
    assert inside == 0


async def test_refresh_lock_is_released_on_error(store: zc.TokenStore) -> None:
    with pytest.raises(RuntimeError):
        async with store.refresh_lock("ada@example.com"):
            raise RuntimeError("boom")
    with anyio.fail_after(5):
        async with store.refresh_lock("ada@example.com"):
            pass


async def test_repr_shows_no_secret(store: zc.TokenStore) -> None:
    secret = tokens(access="1000.topsecretaccess.topsecretaccess")
    await store.save(secret)
    assert "topsecret" not in repr(store)
    assert "topsecret" not in repr(secret) and "refresh.token" not in repr(secret)


async def test_aclose_twice_is_harmless(store: zc.TokenStore) -> None:
    await store.save(tokens())
    await store.aclose()
    await store.aclose()


# -- listing users (ListsUsers) -------------------------------------------------------------


async def test_a_store_lists_users_exactly_when_declared(
    store: zc.TokenStore, store_kind: str
) -> None:
    assert isinstance(store, ListsUsers) is (store_kind in LISTS_USERS)


async def _listed(store: zc.TokenStore) -> list[str]:
    assert isinstance(store, ListsUsers)
    return await store.user_emails()


async def test_an_empty_store_lists_no_users(listing_stores: Callable[[], zc.TokenStore]) -> None:
    assert await _listed(listing_stores()) == []


async def test_users_are_listed_once_each_and_sorted(
    listing_stores: Callable[[], zc.TokenStore],
) -> None:
    store = listing_stores()
    await store.save(tokens("bob@example.com"))
    assert await _listed(store) == ["bob@example.com"]
    users = ["bob@example.com", "Zed@example.com", "ada@example.com", "a*[x]?@example.com"]
    for user in users:
        await store.save(tokens(user))
    await store.save(tokens("bob@example.com", "1000.new.new"))  # replaced, still one user
    assert await _listed(store) == sorted(users)


async def test_a_deleted_user_is_no_longer_listed(
    listing_stores: Callable[[], zc.TokenStore],
) -> None:
    store = listing_stores()
    await store.save(tokens("ada@example.com"))
    await store.save(tokens("bob@example.com"))
    await store.delete("ada@example.com")
    assert await _listed(store) == ["bob@example.com"]
    await store.delete("bob@example.com")
    assert await _listed(store) == []


async def test_another_stores_users_are_not_listed(
    listing_stores: Callable[[], zc.TokenStore],
) -> None:
    mine, theirs = listing_stores(), listing_stores()
    await mine.save(tokens("ada@example.com"))
    await theirs.save(tokens("bob@example.com"))
    assert await _listed(mine) == ["ada@example.com"]
    assert await _listed(theirs) == ["bob@example.com"]


async def test_is_token_generated_without_a_user_picks_the_single_user(
    listing_stores: Callable[[], zc.TokenStore], fake: FakeZohoCRM
) -> None:
    store = listing_stores()
    config = fake.config(current_user_email=None)
    async with zc.ZohoCRM(config, store=store, transport=fake.transport()) as crm:
        assert await crm.oauth.is_token_generated() is False
        await store.save(
            zc.OAuthTokens.from_token_response(fake.issue_tokens(), user_email=fake.user_email)
        )
        assert await crm.oauth.is_token_generated() is True
        assert crm.user_email == fake.user_email
        assert (await crm.users.current()).email == fake.user_email

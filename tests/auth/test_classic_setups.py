"""Classic setups: a dummy redirect_uri, classic handler contracts, is_token_generated."""

from __future__ import annotations

from typing import Any

import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

pytestmark = pytest.mark.anyio


# -- redirect_uri ----------------------------------------------------------------------------


async def test_a_self_client_with_a_dummy_redirect_uri_works() -> None:
    fake = FakeZohoCRM(redirect_uri="dummy")  # a self client: Zoho never redirects anywhere
    config = fake.config()
    assert config.redirect_uri == "dummy"
    async with zc.ZohoCRM(config, transport=fake.transport()) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        assert (await crm.users.current()).email == fake.user_email
        with pytest.raises(zc.ConfigError, match=r"'redirect_uri': is 'dummy'.*web login flow"):
            crm.oauth.authorization_url(["ZohoCRM.modules.ALL"])


# -- handler contracts -----------------------------------------------------------------------


class ClassicTokens:
    """What a ported classic handler returns: the classic Python SDK's attribute names."""

    def __init__(self, refresh: str, access: str, expiry: Any, user: str) -> None:
        self.refreshToken, self.accessToken, self.expiryTime, self.userEmail = (
            refresh,
            access,
            expiry,
            user,
        )


class CamelCaseHandler:
    """The classic article's method names; raises for a missing row, as classic handlers do."""

    def __init__(self) -> None:
        self.rows: dict[str, tuple[str, str, str]] = {}

    def saveOAuthData(self, tokens: Any) -> None:
        self.rows[tokens.userEmail] = (tokens.refreshToken, tokens.accessToken, tokens.expiryTime)

    def getOAuthTokens(self, user: str) -> ClassicTokens:
        if user not in self.rows:
            raise Exception("No rows found for the given user")
        refresh, access, expiry = self.rows[user]
        return ClassicTokens(refresh, access, str(expiry), user)  # expiry as text: accepted

    def deleteOAuthTokens(self, user: str) -> None:
        self.rows.pop(user, None)


class BrokenHandler(CamelCaseHandler):
    def getOAuthTokens(self, user: str) -> ClassicTokens:
        raise KeyError("database is down")


async def test_camel_case_handler_with_classic_token_objects(fake: FakeZohoCRM) -> None:
    handler = CamelCaseHandler()
    config = fake.config(persistence=None, persistence_handler_class=handler)
    async with zc.ZohoCRM(config, transport=fake.transport()) as crm:
        assert not await crm.oauth.is_token_generated("nobody@example.com")  # it raised: False
        tokens = await crm.oauth.generate_access_token(fake.issue_grant_code())
        assert handler.rows[fake.user_email][1] == tokens.access_token
        assert await crm.oauth.is_token_generated()
        fake.expire_access_tokens()
        await crm.users.current()  # a 401, a refresh read back through the classic object
        assert handler.rows[fake.user_email][1] != tokens.access_token
    assert fake.stats.token_mints == 2


async def test_a_handlers_own_exception_is_wrapped_naming_handler_and_method() -> None:
    store = zc.CustomStore(BrokenHandler())
    with pytest.raises(zc.TokenHandlerError) as caught:
        await store.load("ada@example.com")
    error = caught.value
    assert isinstance(error, zc.TokenStoreError)
    assert (error.handler, error.method) == ("BrokenHandler", "getOAuthTokens")
    assert "BrokenHandler.getOAuthTokens('ada@example.com') raised KeyError" in str(error)
    assert isinstance(error.__cause__, KeyError)


async def test_a_real_store_failure_is_not_taken_for_no_tokens(
    fake: FakeZohoCRM, tmp_path: Any
) -> None:
    (tmp_path / "tokens.sqlite3").write_bytes(b"not a database" * 100)
    config = fake.config(persistence=None, sqlite_path=str(tmp_path / "tokens.sqlite3"))
    async with zc.ZohoCRM(config, transport=fake.transport()) as crm:
        with pytest.raises(zc.TokenStoreError, match="move it away"):
            await crm.oauth.is_token_generated()


def test_the_token_object_offers_the_classic_attribute_names() -> None:
    tokens = zc.OAuthTokens("ada@example.com", "1000.a.a", "1000.r.r", 123)
    assert (tokens.user_identifier, tokens.userEmail) == ("ada@example.com",) * 2
    assert (tokens.accessToken, tokens.refreshToken, tokens.expiryTime) == (
        "1000.a.a",
        "1000.r.r",
        123,
    )


# -- is_token_generated without a user ----------------------------------------------------------


async def test_is_token_generated_without_a_user_answers_from_the_store(
    fake: FakeZohoCRM,
) -> None:
    config = fake.config(current_user_email=None)
    async with zc.ZohoCRM(config, transport=fake.transport()) as crm:
        assert await crm.oauth.is_token_generated() is False  # none stored: no ConfigError
        await crm.store.save(
            zc.OAuthTokens.from_token_response(fake.issue_tokens(), user_email=fake.user_email)
        )
        assert await crm.oauth.is_token_generated() is True  # exactly one user
        assert crm.user_email == fake.user_email  # ... who is now the client's user
        assert (await crm.users.current()).email == fake.user_email


async def test_is_token_generated_with_several_users_asks_which(fake: FakeZohoCRM) -> None:
    config = fake.config(current_user_email=None)
    async with zc.ZohoCRM(config, transport=fake.transport()) as crm:
        for user in ("ada@example.com", "bob@example.com"):
            await crm.store.save(zc.OAuthTokens(user, "1000.a.a", "1000.r.r", 2**42))
        with pytest.raises(zc.ArgumentError, match=r"2 users .*pass user_email=") as caught:
            await crm.oauth.is_token_generated()
        assert isinstance(caught.value, ValueError) and not isinstance(caught.value, zc.ConfigError)
        assert await crm.oauth.is_token_generated("bob@example.com")


async def test_is_token_generated_on_a_store_that_cannot_list_users(fake: FakeZohoCRM) -> None:
    config = fake.config(
        current_user_email=None, persistence=None, persistence_handler_class=CamelCaseHandler()
    )
    async with zc.ZohoCRM(config, transport=fake.transport()) as crm:
        with pytest.raises(zc.ArgumentError, match=r"cannot list the users.*user_email="):
            await crm.oauth.is_token_generated()

"""Custom handlers: the seed's method names, sync or async, by object or by file + class."""

from __future__ import annotations

from pathlib import Path

import pytest

import zcrm_async as zc
from tests.stores.test_conformance import tokens
from zcrm_async.stores import build_store

pytestmark = pytest.mark.anyio

HANDLER_SOURCE = """
class SeedHandler:
    rows = {}

    def save_oauth_data(self, tokens):
        SeedHandler.rows[tokens.user_email] = {
            "useridentifier": tokens.user_email,
            "accesstoken": tokens.access_token,
            "refreshtoken": tokens.refresh_token,
            "expirytime": tokens.expiry_time,
        }

    def get_oauth_tokens(self, user_email):
        return SeedHandler.rows.get(user_email)

    def delete_oauth_tokens(self, user_email):
        SeedHandler.rows.pop(user_email, None)
"""

BASE = {"client_id": "c", "client_secret": "s", "redirect_uri": "https://x.example/cb"}


async def test_loaded_from_file_path_and_class_name(tmp_path: Path) -> None:
    (tmp_path / "handler.py").write_text(HANDLER_SOURCE)
    config = zc.Config.from_dict(
        {
            **BASE,
            "persistence_handler_class_path": str(tmp_path / "handler.py"),
            "persistence_handler_class": "SeedHandler",
        }
    )
    store = build_store(config)
    assert isinstance(store, zc.CustomStore)
    await store.save(tokens())
    loaded = await store.load("ada@example.com")  # the seed's column names are understood
    assert loaded is not None and loaded.access_token == "1000.aaaa.bbbb"


async def test_classic_python_key_persistence_handler_path(tmp_path: Path) -> None:
    (tmp_path / "handler.py").write_text(HANDLER_SOURCE)
    config = zc.Config.from_dict(
        {
            **BASE,
            "persistence_handler_path": str(tmp_path),
            "persistence_handler_class": "SeedHandler",
        }
    )
    assert isinstance(build_store(config), zc.CustomStore)


def test_a_handler_object_can_be_passed_directly() -> None:
    class Handler:
        async def save_oauth_data(self, tokens: zc.OAuthTokens) -> None: ...
        async def get_oauth_tokens(self, user_email: str) -> None: ...
        async def delete_oauth_tokens(self, user_email: str) -> None: ...

    config = zc.Config.from_dict({**BASE, "persistence_handler_class": Handler()})
    assert isinstance(build_store(config), zc.CustomStore)


def test_missing_methods_are_named() -> None:
    class Half:
        def save_oauth_data(self, tokens: zc.OAuthTokens) -> None: ...

    with pytest.raises(zc.ConfigError, match="Half lacks get_oauth_tokens, delete_oauth_tokens"):
        zc.CustomStore(Half())


def test_missing_file_and_missing_class_are_named(tmp_path: Path) -> None:
    missing = zc.Config.from_dict(
        {
            **BASE,
            "persistence_handler_class_path": str(tmp_path / "nope.py"),
            "persistence_handler_class": "H",
        }
    )
    with pytest.raises(zc.ConfigError, match=r"nope\.py"):
        build_store(missing)
    (tmp_path / "h.py").write_text("class Other: pass\n")
    wrong = zc.Config.from_dict(
        {
            **BASE,
            "persistence_handler_class_path": str(tmp_path / "h.py"),
            "persistence_handler_class": "H",
        }
    )
    with pytest.raises(zc.ConfigError, match="defines no class named 'H'"):
        build_store(wrong)


async def test_a_handler_returning_garbage_is_a_clear_error() -> None:
    class Garbage:
        def save_oauth_data(self, tokens: zc.OAuthTokens) -> None: ...
        def get_oauth_tokens(self, user_email: str) -> str:
            return "tokens!"

        def delete_oauth_tokens(self, user_email: str) -> None: ...

    with pytest.raises(zc.TokenStoreError, match="get_oauth_tokens returned str"):
        await zc.CustomStore(Garbage()).load("ada@example.com")

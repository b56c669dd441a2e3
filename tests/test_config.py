"""Config: the seed's keys, aliases, string booleans, data centres, store choice, and errors."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest

import zcrm_async as zc
from zcrm_async._config import default_sqlite_path

BASE = {
    "client_id": "1000.CLIENT",
    "client_secret": "s3cret-value",
    "redirect_uri": "https://app.example.com/callback",
}


def make(**extra: Any) -> zc.Config:
    return zc.Config.from_dict({**BASE, **extra})


def test_defaults_are_v8_us_production_offline() -> None:
    config = make()
    assert (config.api_version, config.data_center, config.access_type) == ("v8", "us", "offline")
    assert config.token_url == "https://accounts.zoho.com/oauth/v2/token"
    assert config.api_domain() == "https://www.zohoapis.com"


@pytest.mark.parametrize(
    ("dc", "accounts", "api"),
    [
        ("us", "https://accounts.zoho.com", "https://www.zohoapis.com"),
        ("eu", "https://accounts.zoho.eu", "https://www.zohoapis.eu"),
        ("in", "https://accounts.zoho.in", "https://www.zohoapis.in"),
        ("cn", "https://accounts.zoho.com.cn", "https://www.zohoapis.com.cn"),
        ("au", "https://accounts.zoho.com.au", "https://www.zohoapis.com.au"),
        ("jp", "https://accounts.zoho.jp", "https://www.zohoapis.jp"),
        ("ca", "https://accounts.zohocloud.ca", "https://www.zohoapis.ca"),
        ("sa", "https://accounts.zoho.sa", "https://www.zohoapis.sa"),
    ],
)
def test_data_centre_table(dc: str, accounts: str, api: str) -> None:
    config = make(data_center=dc.upper())
    assert config.resolved_accounts_url == accounts
    assert config.api_domain() == api


def test_sandbox_and_developer_environments() -> None:
    assert make(sandbox="true", data_center="eu").api_domain() == "https://sandbox.zohoapis.eu"
    assert make(environment="developer").api_domain() == "https://developer.zohoapis.com"
    # The token's api_domain names production: sandbox must not be silently switched to it.
    assert make(sandbox=True).api_domain("https://www.zohoapis.com") == (
        "https://sandbox.zohoapis.com"
    )
    # The classic SDKs' trick: sandbox rewrites www. in an explicit api_base_url.
    assert make(apiBaseUrl="www.zohoapis.in", sandbox="TRUE").api_domain() == (
        "https://sandbox.zohoapis.in"
    )


def test_token_api_domain_is_used_unless_api_base_url_is_set() -> None:
    assert make().api_domain("https://www.zohoapis.eu") == "https://www.zohoapis.eu"
    pinned = make(api_base_url="http://127.0.0.1:9000/", allow_untrusted_hosts=True)
    assert pinned.api_domain("https://www.zohoapis.eu") == "http://127.0.0.1:9000"


def test_classic_python_aliases_are_accepted() -> None:
    config = make(
        apiBaseUrl="www.zohoapis.com",
        apiVersion="v2",
        currentUserEmail="ada@example.com",
        applicationLogFilePath="/tmp",
        mysql_username="root",
        mysql_password="pw",
        mysql_port="3307",
    )
    assert config.api_base_url == "https://www.zohoapis.com"
    assert config.api_version == "v2"
    assert config.current_user_email == "ada@example.com"
    assert config.application_log_file_path == "/tmp"
    assert (config.db_username, config.db_password, config.db_port) == ("root", "pw", 3307)


@pytest.mark.parametrize(
    ("text", "expected"), [("true", True), ("False", False), ("1", True), ("", False)]
)
def test_string_booleans(text: str, expected: bool) -> None:
    assert make(sandbox=text).sandbox is expected
    assert make(log_in_console=text).log_in_console is expected


def test_every_api_version_from_v2_to_v8() -> None:
    for version in ("v2", "v2.1", "v3", "v4", "v5", "v6", "v7", "v8"):
        assert make(api_version=version).api_version == version


@pytest.mark.parametrize(
    ("extra", "key", "fragment"),
    [
        ({"client_id": ""}, "client_id", "mandatory"),
        ({"client_secret": None}, "client_secret", "mandatory"),
        ({"refresh_timeout": 60}, "refresh_timeout", "less than 60 seconds"),
        ({"refresh_timeout": "0"}, "refresh_timeout", "seconds > 0"),
        ({"api_version": "v9"}, "api_version", "v2, v2.1, v3"),
        ({"data_center": "mars"}, "data_center", "us, eu, in, cn, au, jp, ca, sa"),
        ({"environment": "staging"}, "environment", "production, sandbox, developer"),
        ({"sandbox": "maybe"}, "sandbox", "true or false"),
        ({"log_in_console": 3}, "log_in_console", "true or false"),
        ({"db_port": "abc"}, "db_port", "whole number 1..65535"),
        ({"mysql_port": 70000}, "db_port", "whole number 1..65535"),
        ({"max_concurrency": 0}, "max_concurrency", "1..1000"),
        ({"timeout": "-1"}, "timeout", "seconds > 0"),
        ({"max_retries": "many"}, "max_retries", "0..20"),
        ({"access_type": "forever"}, "access_type", "offline, online"),
        ({"current_user_email": "ada"}, "current_user_email", "e-mail"),
        (
            {"persistence": "mongodb"},
            "persistence",
            "custom, file, sqlite, mysql, postgres, redis, memory",
        ),
        ({"persistence": "redis"}, "redis_url", "mandatory with persistence='redis'"),
        ({"persistence": "postgres"}, "postgres_url", "mandatory with persistence='postgres'"),
        ({"redis_url": "http://cache:6379"}, "redis_url", "redis://, rediss://, unix://"),
        ({"postgres_url": "db.internal:5432"}, "postgres_url", "postgresql://"),
        ({"redis_key_prefix": ""}, "redis_key_prefix", "non-empty key prefix"),
        ({"persistence_handler_class": "Store"}, "persistence_handler_class_path", ".py"),
        (
            {"persistence_handler_class_path": "/x/h.py"},
            "persistence_handler_class",
            "class name",
        ),
    ],
)
def test_each_bad_value_names_its_key(extra: dict[str, Any], key: str, fragment: str) -> None:
    with pytest.raises(zc.ConfigError) as info:
        make(**extra)
    assert info.value.key == key
    assert f"config key {key!r}" in str(info.value)
    assert fragment in str(info.value)


def test_missing_mandatory_key_is_named() -> None:
    with pytest.raises(zc.ConfigError, match="'redirect_uri': is mandatory"):
        zc.Config.from_dict({"client_id": "a", "client_secret": "b"})


def test_unknown_key_warns_with_the_closest_known_key() -> None:
    with pytest.warns(zc.ConfigWarning, match=r"'clientid'.*did you mean 'client_id'"):
        zc.Config.from_dict({**BASE, "clientid": "x"})
    with pytest.warns(zc.ConfigWarning, match="'token_persistance_path'"):
        make(token_persistance_path="/tmp")


def test_known_keys_do_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        make(sqlite_path="/tmp/x.db", currentUserEmail="a@b.c", max_concurrency="5")


def test_secrets_stay_out_of_repr_and_str() -> None:
    config = make(db_password="hunter2-pw", db_username="root")
    assert "s3cret-value" not in repr(config) and "s3cret-value" not in str(config)
    assert "hunter2-pw" not in repr(config)


@pytest.mark.parametrize(
    ("extra", "kind"),
    [
        ({}, "sqlite"),
        ({"db_username": "root"}, "mysql"),
        ({"sqlite_path": "/tmp/t.db", "db_username": "root"}, "sqlite"),
        ({"token_persistence_path": "/tmp", "sqlite_path": "/tmp/t.db"}, "file"),
        (
            {
                "persistence_handler_class_path": "/x/h.py",
                "persistence_handler_class": "H",
                "token_persistence_path": "/tmp",
            },
            "custom",
        ),
        ({"persistence": "mysql"}, "mysql"),
        ({"persistence": "memory", "token_persistence_path": "/tmp"}, "memory"),
    ],
)
def test_store_precedence_is_custom_file_sqlite_mysql(extra: dict[str, Any], kind: str) -> None:
    assert make(**extra).store_kind == kind


def test_default_sqlite_lives_in_the_per_user_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_sqlite_path() == tmp_path / "zcrm_async" / "tokens.sqlite3"
    assert make().resolved_sqlite_path == tmp_path / "zcrm_async" / "tokens.sqlite3"


def test_from_env_reads_zcrm_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZCRM_CLIENT_ID", "1000.ENV")
    monkeypatch.setenv("ZCRM_CLIENT_SECRET", "env-secret")
    monkeypatch.setenv("ZCRM_REDIRECT_URI", "https://env.example.com/cb")
    monkeypatch.setenv("ZCRM_DATA_CENTER", "jp")
    monkeypatch.setenv("ZCRM_SANDBOX", "true")
    config = zc.Config.from_env()
    assert config.client_id == "1000.ENV" and config.data_center == "jp" and config.sandbox

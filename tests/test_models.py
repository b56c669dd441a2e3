"""Models: token parsing rules, records as mappings, write results, lossless round trips."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import zcrm_async as zc


def test_expires_in_is_seconds() -> None:
    before = int(time.time() * 1000)
    tokens = zc.OAuthTokens.from_token_response(
        {"access_token": "1000.a.b", "refresh_token": "1000.r.r", "expires_in": 3600},
        user_email="ada@example.com",
    )
    assert before + 3_600_000 <= tokens.expiry_time <= time.time() * 1000 + 3_600_000


def test_expires_in_is_milliseconds_when_expires_in_sec_is_present() -> None:
    before = int(time.time() * 1000)
    tokens = zc.OAuthTokens.from_token_response(
        {
            "access_token": "1000.a.b",
            "refresh_token": "1000.r.r",
            "expires_in": 3_600_000,
            "expires_in_sec": 3600,
        },
        user_email="ada@example.com",
    )
    assert before + 3_600_000 <= tokens.expiry_time <= time.time() * 1000 + 3_600_000


def test_refresh_answer_keeps_the_refresh_token_and_api_domain() -> None:
    tokens = zc.OAuthTokens.from_token_response(
        {
            "access_token": "1000.new.new",
            "expires_in": 3600,
            "api_domain": "https://www.zohoapis.eu",
        },
        user_email="ada@example.com",
        refresh_token="1000.keep.keep",
    )
    assert tokens.refresh_token == "1000.keep.keep"
    assert tokens.api_domain == "https://www.zohoapis.eu"


@pytest.mark.parametrize(
    ("body", "error", "hint"),
    [
        ({"error": "invalid_code"}, "invalid_code", "expired"),
        ({"error": "invalid_client"}, "invalid_client", "data_center"),
        (
            {
                "error_description": "You have made too many requests continuously.",
                "error": "Access Denied",
                "status": "failure",
            },
            "Access Denied",
            "10 access tokens per refresh token per 10 minutes",
        ),
    ],
)
def test_error_bodies_are_oauth_errors_with_a_hint(
    body: dict[str, Any], error: str, hint: str
) -> None:
    with pytest.raises(zc.OAuthError) as info:
        zc.OAuthTokens.from_token_response(body, user_email="a@b.c")
    assert info.value.error == error
    assert hint in str(info.value)


def test_an_online_grant_without_refresh_token_is_explained() -> None:
    with pytest.raises(zc.OAuthError, match="access_type=offline"):
        zc.OAuthTokens.from_token_response(
            {"access_token": "1000.a.b", "expires_in": 3600}, user_email="a@b.c"
        )


def test_tokens_repr_has_no_secrets() -> None:
    tokens = zc.OAuthTokens("a@b.c", "1000.secretaccess.x", "1000.secretrefresh.y", 1)
    assert "secret" not in repr(tokens) and "secret" not in str(tokens)


def test_record_is_a_mapping_that_keeps_unknown_keys() -> None:
    data = {"id": "123", "Last_Name": "Lovelace", "$approval_state": "approved", "Sub": [1]}
    record = zc.Record.from_api("Leads", data)
    assert record.id == "123" and record["Last_Name"] == "Lovelace"
    assert dict(record) == data and record.to_dict() == data
    record["Company"] = "AE"
    assert record.to_dict()["Company"] == "AE"
    assert "Lovelace" not in repr(record)  # repr is short: personal data stays out of logs


def test_record_datetimes_keep_their_offset() -> None:
    record = zc.Record.from_api("Leads", {"Created_Time": "2023-05-10T01:10:47-07:00"})
    created = record.datetime("Created_Time")
    assert created is not None and created.utcoffset() == timedelta(hours=-7)
    assert record.datetime("Missing") is None


def test_bulk_result_splits_and_raises_for_failures() -> None:
    ok = zc.WriteResult.from_api(
        {"status": "success", "code": "SUCCESS", "details": {"id": "1"}}, 0
    )
    bad = zc.WriteResult.from_api(
        {"status": "error", "code": "MANDATORY_NOT_FOUND", "details": {"api_name": "Last_Name"}}, 1
    )
    result = zc.BulkResult([ok, bad])
    assert result.succeeded == [ok] and result.failed == [bad] and result.ids == ["1", None]
    with pytest.raises(zc.BulkWriteError, match="MANDATORY_NOT_FOUND"):
        result.raise_for_failures()
    assert zc.BulkResult([ok]).raise_for_failures().ids == ["1"]


json_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)


@given(st.dictionaries(st.text(min_size=1, max_size=20), json_values, max_size=8))
def test_record_round_trip_is_lossless(data: dict[str, Any]) -> None:
    assert zc.Record.from_api("Leads", data).to_dict() == data


@given(
    st.fixed_dictionaries(
        {
            "status": st.sampled_from(["success", "error"]),
            "code": st.text(max_size=20),
            "message": st.text(max_size=20),
            "details": st.dictionaries(st.text(max_size=8), json_values, max_size=3),
        },
        optional={"action": st.sampled_from(["insert", "update"]), "duplicate_field": json_values},
    )
)
def test_write_result_round_trip_is_lossless(data: dict[str, Any]) -> None:
    result = zc.WriteResult.from_api(data, 0)
    assert result.to_dict() == data
    assert result.ok == (data["status"] == "success")


@given(st.dictionaries(st.text(max_size=10), json_values, max_size=6))
def test_user_round_trip_is_lossless(data: dict[str, Any]) -> None:
    assert zc.User.from_api(data).to_dict() == data

"""Logging (_logging.py): secrets redacted, handlers configured once, and each error the SDK raises
logged once, at ERROR, with its context."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

import zcrm_async as zc
from zcrm_async import _logging
from zcrm_async._logging import configure_logging, logger, redact
from zcrm_async.testing import FakeZohoCRM

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    "text",
    [
        "Authorization: Zoho-oauthtoken 1000.abcdef0123456789.fedcba9876543210",
        "client_secret=abc123&code=1000.grantgrantgrant.grantgrantgrant",
        '{"refresh_token": "1000.rrrrrrrrrrrr.ssssssssssss", "password": "hunter2"}',
    ],
)
def test_redact_hides_tokens_and_secrets(text: str) -> None:
    cleaned = redact(text)
    for secret in ("abcdef0123456789", "abc123", "grantgrant", "rrrrrrrr", "hunter2"):
        assert secret not in cleaned


def test_records_through_the_logger_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="zcrm_async"):
        logger.info("sending %s", "Zoho-oauthtoken 1000.aaaaaaaaaaaa.bbbbbbbbbbbb")
    assert "aaaaaaaaaaaa" not in caplog.text and "***" in caplog.text


def test_file_and_console_handlers_are_added_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_logging, "_configured", set())
    before = list(logger.handlers)
    try:
        for _ in range(3):
            configure_logging(str(tmp_path), True)
        added = [h for h in logger.handlers if h not in before]
        assert len(added) == 2
        logger.warning("hello refresh_token=1000.zzzzzzzzzzzz.yyyyyyyyyyyy")
        for handler in added:
            handler.flush()
        text = (tmp_path / "zcrm_async.log").read_text()
        assert "hello" in text and "zzzzzzzz" not in text
    finally:
        for handler in [h for h in logger.handlers if h not in before]:
            logger.removeHandler(handler)
            handler.close()


# -- each error logged once ------------------------------------------------------------------


@pytest.fixture
def errors(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every record of the zcrm_async logger, DEBUG up, during the test."""
    caplog.set_level(logging.DEBUG, logger="zcrm_async")
    return caplog


def at_error(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_failed_refresh_inside_a_call_is_logged_once(
    fake: FakeZohoCRM, crm: zc.ZohoCRM, errors: pytest.LogCaptureFixture
) -> None:
    tokens = await crm.tokens.get(fake.user_email)
    async with httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as http:
        revoked = await http.post("/oauth/v2/token/revoke", data={"token": tokens.refresh_token})
    assert revoked.json() == {"status": "success"}  # revoked at "Zoho", still stored here
    fake.expire_access_tokens()
    with pytest.raises(zc.OAuthError) as info:
        await crm.org.get()  # 401, refresh refused, raised through the request path
    (message,) = at_error(errors)
    assert "invalid_code" in message and info.value.logged
    assert tokens.refresh_token not in message and tokens.access_token not in message


async def test_an_oauth_entry_point_logs_its_error_once(
    fake: FakeZohoCRM, crm: zc.ZohoCRM, errors: pytest.LogCaptureFixture
) -> None:
    grant = fake.issue_grant_code()
    await crm.oauth.generate_access_token(grant)
    with pytest.raises(zc.OAuthError):
        await crm.oauth.generate_access_token(grant)  # a grant works once
    (message,) = at_error(errors)
    assert "invalid_code" in message and grant not in message


async def test_a_store_failure_is_logged_once(
    fake: FakeZohoCRM, fast_retry: zc.RetryPolicy, errors: pytest.LogCaptureFixture
) -> None:
    class Broken(zc.MemoryStore):
        async def load(self, user_email: str) -> zc.OAuthTokens | None:
            raise zc.TokenStoreError(f"the token database is gone (user {user_email})")

    async with zc.ZohoCRM(
        fake.config(), store=Broken(), transport=fake.transport(), retry=fast_retry
    ) as crm:
        with pytest.raises(zc.TokenStoreError):
            await crm.org.get()
        with pytest.raises(zc.TokenStoreError):
            await crm.oauth.is_token_generated()
    assert len(at_error(errors)) == 2  # two errors, one record each
    assert all("TokenStoreError" in m for m in at_error(errors))


async def test_argument_errors_are_raised_not_logged(
    crm: zc.ZohoCRM, errors: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(zc.InvalidArgumentError):
        await crm.records("Leads").get("not-an-id")
    assert at_error(errors) == []


async def test_the_classic_log_file_records_the_error(
    fake: FakeZohoCRM, fast_retry: zc.RetryPolicy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_logging, "_configured", set())
    before = list(_logging.logger.handlers)
    config = fake.config(application_log_file_path=str(tmp_path))
    try:
        async with zc.ZohoCRM(config, transport=fake.transport(), retry=fast_retry) as crm:
            await crm.oauth.generate_access_token(fake.issue_grant_code())
            fake.fail_next(403, code="NO_PERMISSION")
            with pytest.raises(zc.PermissionDeniedError):
                await crm.org.get()
        for handler in _logging.logger.handlers:
            handler.flush()
        lines = (tmp_path / "zcrm_async.log").read_text().splitlines()
    finally:
        for handler in [h for h in _logging.logger.handlers if h not in before]:
            _logging.logger.removeHandler(handler)
            handler.close()
    logged = [line for line in lines if " ERROR " in line]
    assert len(logged) == 1
    assert "GET /crm/v8/org" in logged[0] and "NO_PERMISSION" in logged[0]


async def test_nothing_reaches_stderr_when_logging_is_not_configured(
    fake: FakeZohoCRM, crm: zc.ZohoCRM, capfd: pytest.CaptureFixture[str]
) -> None:
    fake.fail_next(403, code="NO_PERMISSION")
    with pytest.raises(zc.PermissionDeniedError):
        await crm.org.get()
    assert "NO_PERMISSION" not in capfd.readouterr().err  # a library adds no output of its own

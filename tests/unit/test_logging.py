"""Logging: secrets redacted, handlers configured once."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from zcrm_async import _logging
from zcrm_async._logging import configure_logging, logger, redact


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

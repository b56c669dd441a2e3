"""The ``zcrm_async`` logger: secrets redacted, file/console handlers configured once."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._exceptions import ZCRMError

__all__ = ["configure_logging", "log_error", "logger", "protect_driver_logger", "redact"]

logger = logging.getLogger("zcrm_async")
# A library adds no output of its own: records go where the application's logging sends them,
# or to the file/console handlers configure_logging() attaches.
logger.addHandler(logging.NullHandler())

_SECRET_PATTERNS = (
    (re.compile(r"\b1000\.[A-Za-z0-9]{8,}\.[A-Za-z0-9]{8,}\b"), "1000.***"),
    (re.compile(r"(Zoho-oauthtoken\s+)\S+", re.IGNORECASE), r"\1***"),
    (
        re.compile(
            r"((?:client_secret|refresh_token|access_token|grant_token|code|password|passwd|token"
            r"|zapikey)"
            r"[\"']?\s*[=:]\s*[\"']?)[^&\s\"',}]+",
            re.IGNORECASE,
        ),
        r"\1***",
    ),
)


def redact(text: str) -> str:
    """Replace anything that looks like a token, secret or password with ``***``."""
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


logger.addFilter(_RedactingFilter())


def _describe(argument: Any) -> Any:
    """A log argument without the values it carries: a call is shown by its function's name."""
    if isinstance(argument, functools.partial):
        name = getattr(argument.func, "__qualname__", None) or type(argument.func).__name__
        return f"{name}(...)"
    if isinstance(argument, (int, float)) or argument is None:
        return argument
    return redact(str(argument))


class _DriverFilter(logging.Filter):
    """For the loggers of drivers the token stores use: no statement parameter is ever logged.

    aiosqlite, for one, logs each call it runs with its arguments at DEBUG, and the arguments
    of a token save are the tokens.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, Mapping):
            record.args = {key: _describe(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(_describe(argument) for argument in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def protect_driver_logger(name: str) -> None:
    """Install the filter that keeps statement parameters out of ``name``'s records (once)."""
    driver = logging.getLogger(name)
    if not any(isinstance(existing, _DriverFilter) for existing in driver.filters):
        driver.addFilter(_DriverFilter())


def log_error(error: ZCRMError, context: str | None = None) -> None:
    """Write ``error`` to the log at ERROR, once: an error already logged is left alone.

    Called where an error leaves the SDK's request path or an OAuth entry point, so the
    classic ``application_log_file_path`` records every failure; secrets are redacted.
    """
    if error.logged:
        return
    error.logged = True
    if logger.isEnabledFor(logging.ERROR):
        where = f"{context}: " if context else ""
        logger.error("%s%s: %s", where, type(error).__name__, error)


_FORMAT = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
_configured: set[str] = set()


def configure_logging(log_file_path: str | None, log_in_console: bool) -> None:
    """Attach a file handler and/or a console handler to the ``zcrm_async`` logger, once each.

    ``log_file_path`` may be a file, or a folder (the classic Python SDK's meaning), in which
    case ``zcrm_async.log`` is written inside it. Calling again with the same values is a no-op.
    """
    if log_file_path:
        path = Path(log_file_path).expanduser()
        if path.is_dir():
            path = path / "zcrm_async.log"
        key = f"file:{path.resolve()}"
        if key not in _configured:
            handler = logging.FileHandler(path, encoding="utf-8")
            handler.setFormatter(_FORMAT)
            logger.addHandler(handler)
            _configured.add(key)
    if log_in_console and "console" not in _configured:
        console = logging.StreamHandler()
        console.setFormatter(_FORMAT)
        logger.addHandler(console)
        _configured.add("console")
    if _configured and logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)

"""The exception tree. Every error zcrm_async raises derives from :class:`ZCRMError`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "APIError",
    "ArchiveError",
    "ArgumentError",
    "AuthenticationError",
    "ClientClosedError",
    "ConfigError",
    "NotFoundError",
    "OAuthError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "TokenStoreError",
    "TransportError",
    "UnsupportedBackendError",
    "ZCRMError",
]


class ZCRMError(Exception):
    """Base class of every zcrm_async error."""


class ConfigError(ZCRMError, ValueError):
    """A configuration key is missing, misspelt or has an invalid value."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(f"config key {key!r}: {message}")


class ArchiveError(ZCRMError):
    """A downloaded archive (a Bulk Read result) is corrupt, truncated, over a limit of
    :class:`~zcrm_async.bulk.ArchiveLimits`, or does not hold the rows the job reported."""


class ArgumentError(ZCRMError, ValueError):
    """A call lacks an argument it needs, or cannot use one it got (the message names it)."""


class TokenStoreError(ZCRMError):
    """A token store could not be read or written (corrupt file, unreachable database...)."""


class UnsupportedBackendError(ZCRMError, RuntimeError):
    """A component was used under an async backend it does not support (e.g. MySQL under trio)."""


_OAUTH_HINTS = {
    "invalid_code": (
        "the grant token expired (it lives a few minutes) or was already used, or the refresh "
        "token was revoked; generate a new grant token in the Zoho API console"
    ),
    "invalid_client": (
        "Zoho does not know this client_id here: check client_id and that data_center / "
        "accounts_url match the data centre where the client was registered"
    ),
    "invalid_client_secret": "client_secret is wrong for this client_id",
    "invalid_redirect_uri": "redirect_uri differs from the one registered for the client",
    "access_denied": (
        "too many grant tokens for this client (10 per 10 minutes) or the user denied consent"
    ),
    "Access Denied": (
        "Zoho throttled token generation: at most 10 access tokens per refresh token per "
        "10 minutes; wait, and share one token store between workers"
    ),
}


class OAuthError(ZCRMError):
    """Zoho's accounts server refused a token request (often HTTP 200 with ``{"error": ...}``)."""

    def __init__(self, error: str, description: str | None = None) -> None:
        self.error = error
        self.description = description
        hint = _OAUTH_HINTS.get(error)
        parts = [f"Zoho OAuth error {error!r}"]
        if description:
            parts.append(description)
        if hint:
            parts.append(hint)
        super().__init__(": ".join(parts))


class TransportError(ZCRMError):
    """The request never got an HTTP answer: connection refused, DNS failure, timeout, drop."""

    def __init__(self, message: str, *, host: str | None = None) -> None:
        self.host = host
        super().__init__(message)


class APIError(ZCRMError):
    """Zoho answered with an error status. Carries Zoho's ``code``, ``message`` and ``details``."""

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        details: Mapping[str, Any] | None = None,
        *,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        self.status_code = status_code
        self.code = code
        self.message = message
        self.details: dict[str, Any] = dict(details or {})
        self.method = method
        self.url = url
        where = f" ({method} {url})" if method and url else ""
        detail = f" details={self.details}" if self.details else ""
        super().__init__(f"HTTP {status_code} {code}: {message}{detail}{where}")


class AuthenticationError(APIError):
    """HTTP 401: the token is invalid, or lacks the scope (``OAUTH_SCOPE_MISMATCH``)."""


class PermissionDeniedError(APIError):
    """HTTP 403: the user lacks a permission (``NO_PERMISSION``)."""


class NotFoundError(APIError):
    """HTTP 404: the URL or record does not exist."""


class RateLimitError(APIError):
    """HTTP 429: too many concurrent calls or the day's credits are spent."""

    def __init__(self, *args: Any, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(*args, **kwargs)


class ServerError(APIError):
    """HTTP 5xx from Zoho."""


class ClientClosedError(ZCRMError, RuntimeError):
    """The client was closed: the call was refused, or cancelled while it was in flight."""

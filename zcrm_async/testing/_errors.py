"""Errors raised by the fake's state and rendered by the app in Zoho's shapes."""

from __future__ import annotations

from typing import Any

__all__ = [
    "ApiError",
    "OAuthError",
    "invalid_module",
    "invalid_param",
    "limit_exceeded",
    "required_param",
]


class ApiError(Exception):
    """A CRM API error: rendered as ``{"code","details","message","status":"error"}``."""

    def __init__(
        self, status: int, code: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details: dict[str, Any] = details or {}

    def envelope(self) -> dict[str, Any]:
        """Zoho's error envelope."""
        return {
            "code": self.code,
            "details": self.details,
            "message": self.message,
            "status": "error",
        }


class OAuthError(Exception):
    """An accounts-server error: Zoho answers HTTP 200 with this body."""

    def __init__(self, body: dict[str, str]) -> None:
        super().__init__(body.get("error", "error"))
        self.body = body


def invalid_module(resource_path_index: int = 0) -> ApiError:
    """``INVALID_MODULE`` as Zoho documents it."""
    return ApiError(
        400,
        "INVALID_MODULE",
        "the module name given seems to be invalid",
        {"resource_path_index": resource_path_index},
    )


def required_param(param: str) -> ApiError:
    """``REQUIRED_PARAM_MISSING`` for a missing query parameter."""
    return ApiError(
        400, "REQUIRED_PARAM_MISSING", "One of the expected parameter is missing", {"param": param}
    )


def invalid_param(param: str, **extra: Any) -> ApiError:
    """``INVALID_DATA`` about a query parameter's value."""
    return ApiError(400, "INVALID_DATA", "invalid data", {"param": param, **extra})


def limit_exceeded(limit: int, message: str, **extra: Any) -> ApiError:
    """``LIMIT_EXCEEDED`` with the limit in ``details``."""
    return ApiError(400, "LIMIT_EXCEEDED", message, {"limit": limit, **extra})

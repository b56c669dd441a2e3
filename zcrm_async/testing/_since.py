"""Endpoints Zoho added in a later API version: earlier versions do not have their paths."""

from __future__ import annotations

from ._errors import ApiError
from ._state import Call

__all__ = ["require_version"]


def require_version(call: Call, since: tuple[int, int]) -> None:
    """404 ``INVALID_URL_PATTERN`` (Zoho's answer for a path it does not have) before
    ``since``."""
    if call.version_tuple < since:
        raise ApiError(
            404,
            "INVALID_URL_PATTERN",
            "Please check if the URL trying to access is a correct one",
        )

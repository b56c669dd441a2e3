"""Small helpers the record-side managers share: single write results, version checks."""

from __future__ import annotations

from datetime import datetime

from .._http._envelope import Answer
from .._models import WriteResult
from ._base import unexpected

__all__ = ["modified_since_header", "single_result", "version_tuple"]


def modified_since_header(value: datetime | str | None) -> dict[str, str] | None:
    """``{"If-Modified-Since": ISO-8601}`` for ``value`` (None: no header)."""
    if value is None:
        return None
    text = value.isoformat(timespec="seconds") if isinstance(value, datetime) else str(value)
    return {"If-Modified-Since": text}


def version_tuple(api_version: str) -> tuple[int, int]:
    """``v2.1`` as ``(2, 1)``, ``v8`` as ``(8, 0)``."""
    major, _, minor = api_version.lstrip("v").partition(".")
    return int(major), int(minor or 0)


def single_result(answer: Answer, key: str = "data") -> WriteResult:
    """The one result of a single-item write: ``{key: [result]}`` or a bare result object."""
    body = answer.json()
    if isinstance(body, dict):
        items = body.get(key)
        if isinstance(items, list) and items and isinstance(items[0], dict):
            return WriteResult.from_api(items[0], 0)
        if isinstance(items, dict) and "code" in items:
            return WriteResult.from_api(items, 0)
        if "code" in body and "status" in body:
            return WriteResult.from_api(body, 0)
    raise unexpected(answer, f"expected a write result, got {str(body)[:200]!r}")

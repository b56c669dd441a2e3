"""``page``/``per_page``/``page_token`` handling shared by every list endpoint."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from ._errors import ApiError, invalid_param
from ._limits import Limits

__all__ = ["PageTokens", "Window", "basic_info", "int_param", "page_window", "take"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Window:
    """Which slice of a result a request asks for."""

    offset: int
    per_page: int

    @property
    def page(self) -> int:
        """The 1-based page number the slice corresponds to."""
        return self.offset // self.per_page + 1


def int_param(query: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    """A whole-number query parameter, ``INVALID_DATA`` if it is not one."""
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid_param(name, expected_data_type="integer") from None
    if value < minimum:
        raise invalid_param(name, minimum=minimum)
    return value


def page_window(query: Mapping[str, str], limits: Limits) -> Window:
    """``page`` (default 1) and ``per_page`` (default and maximum 200; larger is clamped).

    ``page=0`` is the first page: Zoho's classic SDKs send it by default, and Zoho answers it.
    """
    per_page = min(int_param(query, "per_page", limits.max_per_page), limits.max_per_page)
    page = max(1, int_param(query, "page", 1, minimum=0))
    return Window((page - 1) * per_page, per_page)


def take(items: Sequence[T], window: Window) -> tuple[list[T], bool]:
    """The window's items and whether more follow."""
    end = window.offset + window.per_page
    return list(items[window.offset : end]), end < len(items)


def basic_info(window: Window, count: int, more: bool) -> dict[str, Any]:
    """The v2-style ``info`` object (also used by search, deleted and users)."""
    return {"per_page": window.per_page, "count": count, "page": window.page, "more_records": more}


@dataclass(frozen=True, slots=True)
class _Token:
    binding: tuple[Any, ...]
    offset: int
    expires_at: float


class PageTokens:
    """Opaque ``page_token`` values bound to a user, a module and the other query params."""

    def __init__(self, clock: Callable[[], float], limits: Limits) -> None:
        self._clock = clock
        self._limits = limits
        self._tokens: dict[str, _Token] = {}

    def issue(self, binding: tuple[Any, ...], offset: int) -> tuple[str, str]:
        """A token continuing at ``offset``, and its expiry as ISO-8601 text."""
        lifetime = self._limits.page_token_lifetime
        token = secrets.token_hex(16)
        self._tokens[token] = _Token(binding, offset, self._clock() + lifetime)
        expiry = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=lifetime)
        return token, expiry.isoformat()

    def resolve(self, token: str, binding: tuple[Any, ...]) -> int:
        """The offset a token continues at; 400 when it is unknown, expired or mismatched."""
        entry = self._tokens.get(token)
        if entry is None:
            raise invalid_param("page_token")
        if entry.expires_at <= self._clock():
            raise ApiError(
                400, "EXPIRED_VALUE", "the page token has expired", {"param": "page_token"}
            )
        if entry.binding != binding:
            raise ApiError(
                400,
                "TOKEN_BOUND_DATA_MISMATCH",
                "the page token was issued for other parameters",
                {"param": "page_token"},
            )
        return entry.offset

"""What Zoho's answers say in their headers about limits and about the request itself."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import attrs

from ._http._retry import parse_retry_after

__all__ = [
    "CREDITS_REMAINING",
    "REQUEST_ID_HEADERS",
    "RateLimitInfo",
    "credits_remaining",
    "request_id",
]

#: Headers that identify a request, when an answer carries one. Zoho documents none; gateways
#: and proxies in front of it often add ``X-Request-Id``.
REQUEST_ID_HEADERS: Final = ("x-request-id", "x-zoho-request-id")
#: The header with the API credits the org has left in Zoho's rolling 24 hours.
CREDITS_REMAINING: Final = "x-api-credits-remaining"


def request_id(headers: Mapping[str, str]) -> str | None:
    """The first request-identifying header present (see :data:`REQUEST_ID_HEADERS`)."""
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return value
    return None


def _count(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    try:
        return None if value is None else int(value.strip())
    except ValueError:
        return None


def credits_remaining(headers: Mapping[str, str]) -> int | None:
    """The org's API credits left, as an answer's ``X-API-CREDITS-REMAINING`` says (None
    when it has none or it is not a number)."""
    return _count(headers, CREDITS_REMAINING)


@attrs.frozen
class RateLimitInfo:
    """Zoho's rate-limit headers of one answer (None where the answer has no such header).

    ``credits_remaining`` is ``X-API-CREDITS-REMAINING``, which Zoho sends once half of the
    day's API credits are used. ``limit``/``remaining``/``reset`` and the ``day_*`` pair are
    the ``X-RATELIMIT-*`` headers older API versions sent. ``retry_after`` is ``Retry-After``
    in seconds.
    """

    credits_remaining: int | None = None
    limit: int | None = None
    remaining: int | None = None
    reset: str | None = None
    day_limit: int | None = None
    day_remaining: int | None = None
    retry_after: float | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimitInfo:
        """Read the rate-limit headers of an answer.

        Args:
            headers: The answer's headers (names are case-insensitive in ``httpx.Headers``).

        Returns:
            The credits and limits the headers report (None for those absent).
        """
        return cls(
            credits_remaining=credits_remaining(headers),
            limit=_count(headers, "x-ratelimit-limit"),
            remaining=_count(headers, "x-ratelimit-remaining"),
            reset=headers.get("x-ratelimit-reset"),
            day_limit=_count(headers, "x-ratelimit-day-limit"),
            day_remaining=_count(headers, "x-ratelimit-day-remaining"),
            retry_after=parse_retry_after(headers.get("retry-after")),
        )

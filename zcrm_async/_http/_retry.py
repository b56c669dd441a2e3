"""The retry policy: which failures are retried, and how long to wait. Constants in one place."""

from __future__ import annotations

import random
import time
from email.utils import parsedate_to_datetime

import attrs
import httpx

__all__ = ["IDEMPOTENT_METHODS", "RetryPolicy", "parse_retry_after"]

#: Methods retried after a 5xx or a read-side failure. POST/PUT/DELETE are not: Zoho may have
#: acted on them (a duplicate insert, a workflow run twice). Callers may pass idempotent=True.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

#: Failures where the request never reached Zoho: safe to retry for any method.
NOT_SENT_ERRORS: tuple[type[Exception], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)

RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds: a number of seconds or an HTTP date. None if absent/garbage."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


@attrs.frozen
class RetryPolicy:
    """Exponential backoff with full jitter, ``Retry-After`` honoured, bounded by a deadline."""

    max_retries: int = 3
    initial_delay: float = 0.5
    max_delay: float = 8.0
    retry_after_cap: float = 120.0
    deadline: float = 300.0  # total seconds across every attempt

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based).

        Args:
            attempt: The retry's number, 1 for the first.
            retry_after: Zoho's ``Retry-After``, in seconds, when it sent one.

        Returns:
            ``retry_after`` capped at ``retry_after_cap``, else a random wait in the upper half
            of the exponential back-off ceiling.
        """
        if retry_after is not None:
            return min(retry_after, self.retry_after_cap)
        ceiling = min(self.max_delay, self.initial_delay * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)

    def should_retry_status(self, status: int, *, idempotent: bool) -> bool:
        """429 for any request; 5xx only for idempotent ones.

        Args:
            status: The answer's HTTP status.
            idempotent: Whether repeating the request is safe.

        Returns:
            Whether to retry.
        """
        return status == 429 or (idempotent and status in RETRYABLE_STATUSES)

    def should_retry_error(self, error: Exception, *, idempotent: bool) -> bool:
        """Connect failures for any request; read-side failures only for idempotent ones.

        Args:
            error: The transport error.
            idempotent: Whether repeating the request is safe.

        Returns:
            Whether to retry.
        """
        if isinstance(error, NOT_SENT_ERRORS):
            return True
        return idempotent and isinstance(error, httpx.TransportError)
